"""The engine service: RPC endpoint + sweeper → claim → worker pool → flow.

Any number of these may share one database and one broker; SQL decides who
works on what (see claims.py).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from oslo_config import cfg
from sqlalchemy import select

from masakari_lite import logcontext, metrics
from masakari_lite.db.models import FailoverSegment, Host, Notification
from masakari_lite.db.session import session_scope
from masakari_lite.db.states import NotificationStatus as S
from masakari_lite.engine import rpc
from masakari_lite.engine.claims import Claim, Claims, LostClaim
from masakari_lite.engine.fencing import FencingDriver, load_driver
from masakari_lite.engine.flows import FLOWS
from masakari_lite.engine.notifier import ProcessNotifier
from masakari_lite.engine.runner import (
    Finish,
    HostInfo,
    Ignore,
    Job,
    NotificationInfo,
    SegmentInfo,
)
from masakari_lite.engine.sweeper import Sweeper

LOG = logging.getLogger(__name__)

# Upstream's message, typo included, because clients and operators grep for it.
SEGMENT_DISABLED = "Recovery aboart: the segment HA is disabled."


class EngineService:
    def __init__(
        self,
        conf: cfg.ConfigOpts,
        nova,
        transport=None,
        url: str | None = None,
        fencing: FencingDriver | None = None,
        workers: int = 32,
    ):
        self.conf = conf
        self.nova = nova
        self.transport = transport
        self.url = url
        self.owner = f"{conf.host}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self.claims = Claims(
            url,
            self.owner,
            conf.claim_lease_seconds,
            conf.max_notification_attempts,
            conf.notification_retry_backoff,
        )
        self.fencing = fencing or load_driver(conf)
        self.notifier = ProcessNotifier(conf, conf.host)
        self.sweeper = Sweeper(self)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="recover")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._rpc_server = None
        self._heart: threading.Thread | None = None

    # --- lifecycle

    def start(self) -> None:
        if self.transport is not None:
            self._rpc_server = rpc.make_server(self.transport, self.conf.host, self)
            self._rpc_server.start()
        self._heart = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
        self._heart.start()
        self.sweeper.start()
        LOG.info("Engine %s started", self.owner)

    def stop(self) -> None:
        """Stop taking work; running flows stop at their next check and hand their claims back."""
        self._stopping.set()
        if self._rpc_server is not None:
            self._rpc_server.stop()
            self._rpc_server.wait()
        self.sweeper.stop()
        with self._lock:
            for job in self._jobs.values():
                job.stopping.set()
        self._pool.shutdown(wait=True)
        if self._heart is not None:
            self._heart.join()
        LOG.info("Engine %s stopped", self.owner)

    def _heartbeat_loop(self) -> None:
        interval = max(0.2, self.conf.claim_lease_seconds / 3)
        while not self._stopping.wait(interval):
            with self._lock:
                jobs = list(self._jobs.values())
            for job in jobs:
                try:
                    if not job.heartbeat():
                        LOG.warning(
                            "Lost the claim on %s; stopping it", job.claim.notification_uuid
                        )
                except Exception:
                    LOG.warning(
                        "Heartbeat of %s failed", job.claim.notification_uuid, exc_info=True
                    )

    # --- work

    def offer(self, notification_uuid: str, source: str = "rpc") -> bool:
        """Claim the notification and start recovering it; False if it is not ours to take.

        ``source`` (rpc, sweeper, queue) only labels the claim metric.
        """
        if self._stopping.is_set():
            return False
        with logcontext.notification(notification_uuid):
            claim = self.claims.claim(notification_uuid)
        metrics.CLAIMS.labels(result="won" if claim else "lost", source=source).inc()
        if claim is None:
            return False
        job = self._job(claim)
        with self._lock:
            self._jobs[claim.notification_uuid] = job
        try:
            self._pool.submit(self._run, job)
        except RuntimeError:  # the pool shut down between the check and the submit
            self._forget(job)
            self.claims.release(claim)
            return False
        return True

    def _job(self, claim: Claim) -> Job:
        with session_scope(self.url) as s:
            n = s.execute(
                select(Notification).where(
                    Notification.notification_uuid == claim.notification_uuid
                )
            ).scalar_one()
            try:
                payload = json.loads(n.payload or "{}")
            except ValueError:
                payload = {}
            info = NotificationInfo(
                n.notification_uuid, n.type, payload, n.source_host_uuid, n.generated_time
            )
            host = s.execute(
                select(Host).where(Host.uuid == n.source_host_uuid, Host.deleted == 0)
            ).scalar_one_or_none()
            host_info = segment_info = None
            if host is not None:
                host_info = HostInfo(
                    host.uuid,
                    host.name,
                    host.type,
                    host.reserved,
                    host.on_maintenance,
                    host.control_attributes,
                    host.failover_segment_id,
                )
                segment = s.execute(
                    select(FailoverSegment).where(
                        FailoverSegment.uuid == host.failover_segment_id,
                        FailoverSegment.deleted == 0,
                    )
                ).scalar_one_or_none()
                if segment is not None:
                    segment_info = SegmentInfo(
                        segment.uuid, segment.name, segment.enabled, segment.recovery_method
                    )
        return Job(
            claims=self.claims,
            claim=claim,
            notification=info,
            host=host_info,
            segment=segment_info,
            nova=self.nova,
            conf=self.conf,
            fencing=self.fencing,
        )

    def _forget(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.claim.notification_uuid, None)

    def _run(self, job: Job) -> None:
        # Pool threads are reused: bind the id for this job only.
        token = logcontext.bind_notification(job.claim.notification_uuid)
        try:
            outcome = run_job(job, self.notifier)
            if outcome is None and job.stopping.is_set() and not job.lost.is_set():
                self.claims.release(job.claim)
        except Exception:
            LOG.exception("Recovery of %s crashed", job.claim.notification_uuid)
        finally:
            self._forget(job)
            logcontext.NOTIFICATION_ID.reset(token)
        if not self._stopping.is_set():
            self._next_for_host(job.claim.source_host_uuid)

    def _next_for_host(self, host_uuid: str) -> None:
        """The host's lock is free again: start what queued up behind it."""
        try:
            for uuid_ in self.claims.due(0, limit=10, host_uuid=host_uuid):
                if self.offer(uuid_, source="queue"):
                    return
        except Exception:
            LOG.warning("Could not look for more work on host %s", host_uuid, exc_info=True)


def run_job(job: Job, notifier: ProcessNotifier) -> S | None:
    """Run the flow for the claimed notification and write its outcome; None if we lost it."""
    n = job.notification
    started = time.monotonic()
    notifier.emit("start", n, S.RUNNING)
    error: BaseException | None = None
    try:
        if job.host is None:
            raise Ignore(f"Host {n.source_host_uuid} no longer exists.")
        if job.segment is None or not job.segment.enabled:
            raise Ignore(SEGMENT_DISABLED)
        flow = FLOWS.get(n.type)
        if flow is None:
            raise Ignore(f"Notification type '{n.type}' is not handled.")
        message, status = flow(job), S.FINISHED
    except LostClaim:
        LOG.info("Stopped working on %s (claim lost or engine stopping)", n.uuid)
        return None
    except Finish as exc:
        message, status = str(exc), S.FINISHED
    except Ignore as exc:
        message, status = str(exc), S.IGNORED
    except Exception as exc:
        LOG.exception("Recovery of %s failed", n.uuid)
        message, status, error = (str(exc) or type(exc).__name__), S.ERROR, exc
    final = job.claims.finish(job.claim, status, message)
    if final is None:
        return None
    elapsed = time.monotonic() - started
    metrics.RECOVERY_SECONDS.labels(flow=n.type, outcome=final).observe(elapsed)
    if n.type == "VM":  # one instance: the notification's recovery is the instance's
        metrics.INSTANCE_RECOVERY_SECONDS.labels(flow=n.type, outcome=final).observe(elapsed)
    notifier.emit("error" if error is not None else "end", n, final, error)
    return final

"""One recovery flow per notification type; each reads top to bottom as named steps."""

from masakari_lite.engine.flows import host, instance, process

FLOWS = {
    "VM": instance.recover_instance,
    "COMPUTE_HOST": host.recover_host,
    "PROCESS": process.recover_process,
}

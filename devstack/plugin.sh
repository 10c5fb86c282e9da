#!/bin/bash
# devstack/plugin.sh: the masakari-lite devstack plugin.
#
# devstack sources devstack/settings once, then this file once per phase with
# the phase as arguments ("stack install", "stack post-config", "stack extra",
# "unstack", "clean"). It relies on devstack's own helpers: pip_install and
# setup_dev_lib (inc/python), recreate_database and database_connection_url
# (lib/database), iniset_rpc_backend (lib/rpc_backend),
# configure_keystone_authtoken_middleware, create_service_user,
# get_or_create_service and get_or_create_endpoint (lib/keystone,
# functions-common), run_process, stop_process and wait_for_service.
#
# The devstack variables it reads (DATABASE_TYPE, REGION_NAME, SERVICE_*,
# KEYSTONE_SERVICE_URI, STACK_USER, ...) are set by stackrc and lib/*, and
# the MASAKARI_LITE_* ones by devstack/settings.

_MASAKARI_LITE_XTRACE=$(set +o | grep xtrace)
set +o xtrace

# The pip extra that brings the driver for the SQLAlchemy URL devstack writes
# (database_connection_url gives postgresql:// or mysql+pymysql://).
function masakari_lite_db_extra {
    case "$DATABASE_TYPE" in
        postgresql) echo postgresql ;;
        mysql) echo mysql ;;
        *) echo "" ;;
    esac
}

# The URL clients reach the API at, without /v1.
function masakari_lite_base_url {
    echo "$MASAKARI_LITE_SERVICE_PROTOCOL://$MASAKARI_LITE_SERVICE_HOST:$MASAKARI_LITE_SERVICE_PORT"
}

# The port the API process itself binds: behind tls-proxy the proxy owns the
# public port.
function masakari_lite_listen_port {
    if is_service_enabled tls-proxy; then
        echo "$MASAKARI_LITE_SERVICE_PORT_INT"
    else
        echo "$MASAKARI_LITE_SERVICE_PORT"
    fi
}

function install_masakari_lite {
    local extra
    extra=$(masakari_lite_db_extra)
    if [[ -n "$extra" ]]; then
        pip_install -e "${MASAKARI_LITE_DIR}[$extra]"
    else
        pip_install -e "$MASAKARI_LITE_DIR"
    fi

    if use_library_from_git python-masakariclient; then
        git_clone_by_name python-masakariclient
        setup_dev_lib python-masakariclient
    else
        pip_install_gr python-masakariclient
    fi
}

function configure_masakari_lite {
    local conf=$MASAKARI_LITE_CONF

    sudo install -d -o "$STACK_USER" -m 755 "$MASAKARI_LITE_CONF_DIR"
    sudo install -d -o "$STACK_USER" -m 750 "$MASAKARI_LITE_STATE_PATH"
    rm -f "$conf"

    iniset "$conf" DEFAULT auth_strategy keystone
    iniset "$conf" DEFAULT state_path "$MASAKARI_LITE_STATE_PATH"
    iniset "$conf" DEFAULT masakari_api_listen "$MASAKARI_LITE_SERVICE_LISTEN_ADDRESS"
    iniset "$conf" DEFAULT masakari_api_listen_port "$(masakari_lite_listen_port)"
    iniset "$conf" DEFAULT masakari_api_workers "$MASAKARI_LITE_API_WORKERS"
    iniset "$conf" DEFAULT healthcheck_disable_file "$MASAKARI_LITE_STATE_PATH/healthcheck_disable"
    if is_service_enabled tls-proxy; then
        # The API sees plain http from the proxy; links must name the proxy.
        iniset "$conf" DEFAULT osapi_masakari_link_prefix "$(masakari_lite_base_url)"
    fi
    iniset_rpc_backend masakari-lite "$conf" DEFAULT

    iniset "$conf" database connection "$(database_connection_url "$MASAKARI_LITE_DB_NAME")"

    configure_keystone_authtoken_middleware "$conf" "$MASAKARI_LITE_SERVICE_USER"

    # The engine's Nova client: password auth as the service user, which has
    # the admin role Nova requires for evacuate, force-down and the
    # all-tenants server list.
    iniset "$conf" nova auth_type password
    iniset "$conf" nova auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" nova username "$MASAKARI_LITE_SERVICE_USER"
    iniset "$conf" nova password "$SERVICE_PASSWORD"
    iniset "$conf" nova user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" nova project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" nova project_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" nova region_name "$REGION_NAME"
    iniset "$conf" nova valid_interfaces public
    if [[ -n "${SSL_BUNDLE_FILE:-}" ]]; then
        iniset "$conf" nova cafile "$SSL_BUNDLE_FILE"
    fi
}

# The service user and the catalog entry `openstack catalog show instance-ha`
# prints: service masakari of type instance-ha, one URL for all three
# interfaces, so monitors work whatever their [api] api_interface says.
function create_masakari_lite_accounts {
    local service url
    create_service_user "$MASAKARI_LITE_SERVICE_USER" admin

    service=$(get_or_create_service "$MASAKARI_LITE_KEYSTONE_SERVICE_NAME" \
        "$MASAKARI_LITE_KEYSTONE_SERVICE_TYPE" "OpenStack Instance High Availability")
    # Keystone substitutes $(project_id)s with the token's project, as it does
    # for upstream's $(tenant_id)s; the API accepts /v1 with and without it.
    url="$(masakari_lite_base_url)/v1/\$(project_id)s"
    get_or_create_endpoint "$service" "$REGION_NAME" "$url" "$url" "$url"
}

function init_masakari_lite {
    recreate_database "$MASAKARI_LITE_DB_NAME"
    "$MASAKARI_LITE_BIN_DIR/masakari-lite-manage" --config-file "$MASAKARI_LITE_CONF" db sync
}

function start_masakari_lite {
    run_process masakari-lite-api \
        "$MASAKARI_LITE_BIN_DIR/masakari-lite-api --config-file $MASAKARI_LITE_CONF"
    if is_service_enabled masakari-lite-api; then
        if is_service_enabled tls-proxy; then
            start_tls_proxy masakari-lite '*' "$MASAKARI_LITE_SERVICE_PORT" \
                "$MASAKARI_LITE_SERVICE_HOST" "$MASAKARI_LITE_SERVICE_PORT_INT"
        fi
        # GET / is the unauthenticated version document.
        echo "Waiting for masakari-lite-api at $(masakari_lite_base_url)/ ..."
        if ! wait_for_service "$SERVICE_TIMEOUT" "$(masakari_lite_base_url)/"; then
            die $LINENO "masakari-lite-api did not start"
        fi
    fi
    run_process masakari-lite-engine \
        "$MASAKARI_LITE_BIN_DIR/masakari-lite-engine --config-file $MASAKARI_LITE_CONF"
}

function stop_masakari_lite {
    stop_process masakari-lite-engine
    stop_process masakari-lite-api
}

function cleanup_masakari_lite {
    sudo rm -rf "${MASAKARI_LITE_CONF_DIR:?}" "${MASAKARI_LITE_STATE_PATH:?}"
}

if is_service_enabled masakari-lite-api masakari-lite-engine; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing masakari-lite"
        install_masakari_lite
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring masakari-lite"
        configure_masakari_lite
        if is_service_enabled key && is_service_enabled masakari-lite-api; then
            create_masakari_lite_accounts
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        # The schema belongs to the node that runs the API; engines elsewhere
        # share its database.
        if is_service_enabled masakari-lite-api; then
            echo_summary "Initializing the masakari-lite database"
            init_masakari_lite
        fi
        echo_summary "Starting masakari-lite"
        start_masakari_lite
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_masakari_lite
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_masakari_lite
    fi
fi

$_MASAKARI_LITE_XTRACE

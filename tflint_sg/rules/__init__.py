"""The rule registry: an explicit list, in the order rules run. Each rule module has `ID` and
`check(context)`, which yields a `Finding` for each problem and an `Undecided` for each thing
it could not judge; its document is rules/<ID>.md."""

from tflint_sg.rules import (
    aws_data_store_client_egress_blocked,
    aws_data_store_exposed,
    aws_data_store_port_mismatch,
    aws_data_store_unreachable,
    aws_db_proxy_target_blocked,
    aws_ecs_service_dynamic_ports_blocked,
    aws_lb_authenticate_egress_blocked,
    aws_lb_listener_unreachable,
    aws_lb_target_clients_blocked,
    aws_lb_target_exposed,
    aws_lb_target_health_check_blocked,
    aws_lb_target_traffic_blocked,
    aws_network_acl_return_traffic_blocked,
    aws_network_acl_traffic_blocked,
    aws_security_group_mixed_rule_styles,
    aws_security_group_rule_source_unattached,
    aws_vpc_endpoint_unreachable,
)

ALL_RULES = (
    # blocked paths the configuration intends
    aws_lb_target_traffic_blocked,
    aws_lb_target_health_check_blocked,
    aws_lb_target_clients_blocked,
    aws_ecs_service_dynamic_ports_blocked,
    aws_lb_authenticate_egress_blocked,
    aws_data_store_port_mismatch,
    aws_data_store_unreachable,
    aws_data_store_client_egress_blocked,
    aws_db_proxy_target_blocked,
    aws_vpc_endpoint_unreachable,
    aws_network_acl_traffic_blocked,
    aws_network_acl_return_traffic_blocked,
    # exposure
    aws_lb_target_exposed,
    aws_data_store_exposed,
    aws_lb_listener_unreachable,
    # smells
    aws_security_group_mixed_rule_styles,
    aws_security_group_rule_source_unattached,
)

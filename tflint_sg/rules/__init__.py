"""The rule registry: an explicit list, in the order rules run. Each rule module has `ID` and
`check(context) -> iterable of Finding`; its document is rules/<ID>.md."""

from tflint_sg.rules import aws_lb_target_health_check_blocked, aws_lb_target_traffic_blocked

ALL_RULES = (
    aws_lb_target_traffic_blocked,
    aws_lb_target_health_check_blocked,
)

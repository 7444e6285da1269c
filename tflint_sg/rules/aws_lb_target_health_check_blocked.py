"""A load balancer health-checks a target on a port that security groups block."""

from tflint_sg.rules.lb_flows import blocked_flow_findings
from tflint_sg.topology import HEALTH_CHECK

ID = "aws_lb_target_health_check_blocked"


def check(context):
    return blocked_flow_findings(context, ID, HEALTH_CHECK, "health checks")

"""A load balancer forwards to a target on a port that security groups block."""

from tflint_sg.rules.lb_flows import blocked_flow_findings
from tflint_sg.topology import TRAFFIC

ID = "aws_lb_target_traffic_blocked"


def check(context):
    return blocked_flow_findings(context, ID, TRAFFIC, "traffic")

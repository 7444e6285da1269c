"""A network ACL drops the request of a flow the configuration intends (load balancer to target, app tier to data store)."""

from tflint_sg.network_acls import REQUEST
from tflint_sg.rules.acl_flows import acl_findings

ID = "aws_network_acl_traffic_blocked"


def check(context):
    return acl_findings(context, ID, REQUEST)

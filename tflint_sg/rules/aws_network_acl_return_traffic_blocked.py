"""A network ACL drops the reply of a flow the configuration intends: stateless ACLs need the return path to the client's ephemeral ports."""

from tflint_sg.network_acls import REPLY
from tflint_sg.rules.acl_flows import acl_findings

ID = "aws_network_acl_return_traffic_blocked"


def check(context):
    return acl_findings(context, ID, REPLY)

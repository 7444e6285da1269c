"""A rule names a security group that nothing in the configuration attaches: it admits nobody."""

from tflint_sg.addresses import parse_resource_address, strip_keys
from tflint_sg.findings import Finding, Related

ID = "aws_security_group_rule_source_unattached"


def check(context):
    model = context.model
    if model.group_uses is None:
        return  # without the configuration's references, an attachment could be anywhere
    carried = {group for endpoint in model.endpoints.values() for group in endpoint.groups}
    # An endpoint whose groups stay unresolved could be carrying any group.
    if any(any(not reason.endswith("is not created by this configuration") for reason in endpoint.unresolved_groups)
           for endpoint in model.endpoints.values()):
        return
    reported = set()
    for address in sorted(model.groups):
        for rule in model.groups[address].rules:
            for peer in rule.groups:
                if peer == rule.group or peer in carried or _mentioned(model, peer):
                    continue
                key = (rule.declared_by, peer)
                if key in reported:
                    continue
                reported.add(key)
                word = "admits traffic from" if rule.direction == "ingress" else "allows traffic to"
                yield Finding(
                    rule=ID,
                    subject=rule.declared_by,
                    message=(f"{rule.declared_by} {word} members of {peer} ({rule.describe()}), but nothing in "
                             f"the configuration attaches {peer}: the rule matches nobody."),
                    fix=(f"Reference the security group the intended peers actually carry, or attach {peer} "
                         "to them."),
                    related=(Related(peer, "unattached security group"), Related(rule.group, "security group")),
                    peer=peer,
                )


def _mentioned(model, group: str) -> bool:
    parsed = parse_resource_address(group)
    module = strip_keys(parsed.module)
    name = model.groups[group].name if group in model.groups else None
    return ((module, parsed.resource) in model.group_uses or module in model.opaque_modules
            or (name is not None and name in model.strings_used))

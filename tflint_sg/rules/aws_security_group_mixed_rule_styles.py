"""One security group declares inline rules and also gets standalone rule resources."""

from tflint_sg.findings import Finding, Related

ID = "aws_security_group_mixed_rule_styles"


def check(context):
    for address in sorted(context.model.groups):
        group = context.model.groups[address]
        if not group.mixed_directions:
            continue
        directions = " and ".join(sorted(group.mixed_directions))
        standalone = sorted({rule.declared_by for rule in group.rules
                             if rule.direction in group.mixed_directions and rule.declared_by != address})
        yield Finding(
            rule=ID,
            subject=address,
            message=(f"{address} declares inline {directions} rules and also gets {', '.join(standalone)}: "
                     "Terraform overwrites one with the other on every apply, so its rules are uncertain."),
            fix=(f"Move the inline {directions} blocks of {address} into standalone "
                 "aws_vpc_security_group_ingress_rule / aws_vpc_security_group_egress_rule resources "
                 "(or the other way round), never both."),
            related=tuple(Related(rule, "standalone rule") for rule in standalone),
        )

"""A finding's remedies written as edits to the .tf files it came from: the one place that turns
"admit tcp/80 from the load balancer's group in aws_security_group.web" into text.

What it writes follows the configuration: a rule goes into the group in the style the group
already uses (an inline `ingress`/`egress` block, or a rule resource of the type its standalone
rules have, so that a fix never mixes the two), inside the module that declares the group, and
says the port with the expression the configuration uses for it when that reads the same there
(`var.app_port`). Nothing is written into a module `terraform init` installed, or where a
reference cannot be said from the module being edited (a group of another module): the fix
then has a note and no edits.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tflint_sg.addresses import parse_resource_address, split_key, split_steps, strip_keys
from tflint_sg.config import GROUP_ARGUMENTS
from tflint_sg.findings import Edit, Finding, Fix
from tflint_sg.load.hcl.syntax import Attribute, Block, GetAttr, Index, Literal, Name, TupleExpr
from tflint_sg.locate import Locator
from tflint_sg.model import EGRESS, INGRESS, Model
from tflint_sg.positions import find_part, inline_rule_block
from tflint_sg.remedy import AclEntry, Admit, AllowInAcl, OwnGroup, Remedy, SetPort

# The attribute of an endpoint's own block that lists its security groups, by resource type.
GROUPS_ATTRIBUTE = {resource_type: paths[0] for resource_type, paths in GROUP_ARGUMENTS.items() if "." not in paths[0]}
_INDENT = "  "


class CannotWrite(Exception):
    """Why a step cannot be written as edits: the note the fix carries instead."""


def write_fixes(findings: list[Finding], model: Model, locator: Locator) -> list[Finding]:
    writer = _Writer(model, locator)
    return [replace(finding, changes=tuple(writer.fix(remedy) for remedy in finding.remedies))
            if finding.remedies else finding for finding in findings]


class _Writer:
    def __init__(self, model: Model, locator: Locator):
        self.model = model
        self.locator = locator
        self._files: dict[str, list[str]] = {}

    def fix(self, remedy: Remedy) -> Fix:
        if not remedy.steps:
            return Fix(remedy.description, (), remedy.applicability, "this change is not written by tflint-sg")
        self._at_calls: list[str] = []
        try:
            edits = tuple(edit for step in remedy.steps for edit in self._step(step))
        except CannotWrite as reason:
            return Fix(remedy.description, (), remedy.applicability, str(reason))
        except (OSError, UnicodeDecodeError, IndexError, KeyError, ValueError) as error:
            # A file changed under the run, or text laid out as the writer does not expect:
            # the finding stands, with no edits offered.
            return Fix(remedy.description, (), remedy.applicability,
                       f"not written ({type(error).__name__}: {error})")
        description = remedy.description
        if self._at_calls:
            description = description.rstrip(".") + ", " + "; ".join(self._at_calls) + "."
        return Fix(description, edits, remedy.applicability)

    def _step(self, step) -> list[Edit]:
        if isinstance(step, SetPort):
            return [self._set_port(step)]
        if isinstance(step, AllowInAcl):
            return [self._allow_in_acl(step)]
        if self._installed(step):
            return self._at_call(step)
        if isinstance(step, Admit):
            return [self._admit(step)]
        return self._own_group(step)

    # --- reading the source ---------------------------------------------------------------

    def _lines(self, path: str) -> list[str]:
        if path not in self._files:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                self._files[path] = handle.read().split("\n")
        return self._files[path]

    def _block(self, address: str) -> Block:
        block = self.locator.block(address)
        if block is None:
            raise CannotWrite(f"{address} is not in a file of this repository (a module `terraform init` "
                              "installed, or a plan without its source): the change belongs there")
        return block

    def _text_of(self, attribute: Attribute, file: str) -> str:
        """The expression of an attribute as written (one line)."""
        line = self._lines(file)[attribute.line - 1]
        if attribute.end_line != attribute.line or attribute.column is None:
            raise CannotWrite("the expression spans several lines")
        written = line[attribute.column - 1:attribute.end_column - 1]
        return written.split("=", 1)[1].strip()

    # --- steps ------------------------------------------------------------------------------

    def _set_port(self, step: SetPort) -> Edit:
        block = self._block(step.address)
        part, file = find_part(block, step.attribute)
        if not isinstance(part, Attribute) or part.column is None or part.end_line != part.line:
            raise CannotWrite(f"{step.attribute} of {step.address} is not written as one attribute to change")
        name = step.attribute.rsplit(".", 1)[-1]
        line = self._lines(file)[part.line - 1]
        written = line[part.column - 1:part.end_column - 1]
        value = f'"{step.value}"' if isinstance(step.value, str) else str(step.value)
        spaced = written.split("=", 1)[0]  # the name and the padding that aligns it
        if spaced.strip() != name:
            raise CannotWrite(f"{step.attribute} of {step.address} is not written as `{name} = ...`")
        return Edit(file, part.line, part.column, part.line, part.end_column, f"{spaced}= {value}")

    def _admit(self, step: Admit) -> Edit:
        group_block = self._block(step.group)
        group = self.model.groups[step.group]
        module = parse_resource_address(step.group).module
        if module != strip_keys(module):
            raise CannotWrite(f"{step.group} is made by a module called with count or for_each: a rule in the "
                              "module's code would be in every instance; give the call an input for it")
        peers = [self._reference(peer, module) for peer in step.peers]
        port = self._port_expression(step, module)
        last = port if step.last_port is None else str(step.last_port)
        inline = {_direction_of(nested) for nested in group_block.blocks} - {None}
        standalone = sorted(parse_resource_address(rule.declared_by).resource.split(".")[0] for rule in group.rules
                            if rule.declared_by and rule.declared_by != step.group)
        if step.direction in inline:
            if any(self._names(self._block(peer), step.group) for peer in step.peers):
                # The peer's group names this one: naming it back inline is a cycle Terraform
                # refuses. The peer's addresses say the same without it.
                if not step.peer_networks:
                    raise CannotWrite(f"{step.group} and {', '.join(step.peers)} would name each other inline, "
                                      "a dependency cycle; write their rules as rule resources")
                return self._inline_rule(group_block, step, port, last, [])
            return self._inline_rule(group_block, step, port, last, peers)
        if not inline and not standalone:
            return self._inline_rule(group_block, step, port, last, peers)
        # No inline rule in this direction: a rule resource, of the kind the group's standalone
        # rules are (or the current one), which no group's block depends on.
        kind = max(set(standalone), key=standalone.count) if standalone else "aws_vpc_security_group_ingress_rule"
        return self._rule_resource(group_block, step, kind, port, last, peers, module)

    def _names(self, block: Block, address: str) -> bool:
        """Whether `block`'s text names the resource `address` (of the same module)."""
        resource = re.escape(parse_resource_address(address).resource)
        text = "\n".join(self._lines(block.file)[block.start_line - 1:block.end_line])
        return re.search(rf"(?<![\w.]){resource}(?![\w-])", text) is not None

    def _inline_rule(self, group_block: Block, step: Admit, port: str, last: str, peers: list[str]) -> Edit:
        """An inline rule naming `peers` (references), or the peer's networks when there are none."""
        settings = [("description", _quote(_description(step, bool(peers)))), ("from_port", port),
                    ("to_port", last), ("protocol", f'"{step.protocol}"')] + _inline_sources(step, peers)
        return self._at_end(group_block, f"the block of {step.group}", lambda indent: _nested(
            step.direction, settings, indent), nested_indent=True)

    def _rule_resource(self, group_block: Block, step: Admit, kind: str, port: str, last: str, peers: list[str],
                       module: str) -> Edit:
        group_ref = self._reference(step.group, module)
        name = self._new_name(kind, module, f"{group_block.labels[1]}_{step.protocol}{step.port}_{_peer_word(step)}")
        description = ("description", _quote(_description(step, bool(peers))))
        if kind == "aws_security_group_rule":
            if peers:
                source = [("source_security_group_id", peers[0])]
            else:
                source = _inline_sources(step, [])
            settings = [("type", f'"{step.direction}"'), ("security_group_id", group_ref),
                        ("protocol", f'"{step.protocol}"'), ("from_port", port), ("to_port", last)] + source + [
                description]
            resource = kind
        else:
            resource = f"aws_vpc_security_group_{step.direction}_rule"
            if peers:
                source = ("referenced_security_group_id", peers[0])
            elif len(step.peer_networks) == 1:
                network = step.peer_networks[0]
                source = ("cidr_ipv6" if ":" in network else "cidr_ipv4", _quote(network))
            else:
                raise CannotWrite(f"{resource} takes one network; the peer has {len(step.peer_networks)}")
            settings = [("security_group_id", group_ref), source, ("ip_protocol", f'"{step.protocol}"'),
                        ("from_port", port), ("to_port", last), description]
        text = f'\n\nresource "{resource}" "{name}" {{\n{_aligned(settings, _INDENT)}\n}}'
        return Edit(group_block.file, group_block.end_line, group_block.end_column, group_block.end_line,
                    group_block.end_column, text)

    def _own_group(self, step: OwnGroup) -> list[Edit]:
        endpoint_block = self._block(step.endpoint)
        beside_block = self.locator.block(step.beside)
        module = parse_resource_address(step.endpoint).module
        if beside_block is None or parse_resource_address(step.beside).module != module:
            beside_block = endpoint_block
        groups_block = self._groups_block(endpoint_block, step.endpoint, module)
        attribute_name = GROUPS_ATTRIBUTE[groups_block.labels[0]]
        name = self._new_name("aws_security_group", module, f"{endpoint_block.labels[1]}_from_{_peer_word(step.admit)}")
        group_text = self._group_text(name, step.admit, step.beside, module)
        target_block = beside_block if beside_block.file == endpoint_block.file else endpoint_block
        return [_after(target_block, group_text),
                self._attach(groups_block, attribute_name, f"aws_security_group.{name}.id", step)]

    def _groups_block(self, endpoint_block: Block, endpoint: str, module: str) -> Block:
        """The block that lists the endpoint's groups: its own, or for an Auto Scaling group
        (or an EKS node group) the launch template of its module that it names."""
        resource_type = endpoint_block.labels[0]
        if resource_type in GROUPS_ATTRIBUTE:
            return endpoint_block
        if resource_type in ("aws_autoscaling_group", "aws_eks_node_group"):
            part, _ = find_part(endpoint_block, "launch_template.id")
            expr = part.expr if isinstance(part, Attribute) else None
            while isinstance(expr, GetAttr) and isinstance(expr.target, (GetAttr, Index)):
                expr = expr.target if isinstance(expr.target, GetAttr) else expr.target.target
            if isinstance(expr, GetAttr) and isinstance(expr.target, Name) and expr.target.name == "aws_launch_template":
                template = self.locator.block(f"{module}.aws_launch_template.{expr.name}".lstrip("."))
                if template is not None:
                    return template
            raise CannotWrite(f"the security groups of {endpoint} are set in a launch template that is not named "
                              "in its own block")
        raise CannotWrite(f"the security groups of {endpoint} are not set in its own block")

    def _group_text(self, name: str, admit: Admit, beside: str, module: str) -> str:
        """A new security group of `module`, in the VPC of the group `beside`, with one inline
        rule that is `admit`."""
        peers = [self._reference(peer, module) for peer in admit.peers]
        port = self._port_expression(admit, module)
        last = port if admit.last_port is None else str(admit.last_port)
        settings = [("description", _quote(_description(admit, bool(peers))))]
        vpc = self._vpc_expression(beside, module)
        if vpc is not None:
            settings.append(("vpc_id", vpc))
        rule = _aligned([("from_port", port), ("to_port", last), ("protocol", f'"{admit.protocol}"')]
                        + _inline_sources(admit, peers), _INDENT * 2)
        return (f'\n\nresource "aws_security_group" "{name}" {{\n{_aligned(settings, _INDENT)}\n\n'
                f"{_INDENT}{admit.direction} {{\n{rule}\n{_INDENT}}}\n}}")

    def _allow_in_acl(self, step: AllowInAcl) -> Edit:
        """Allow entries in a network ACL, each numbered below the entry that denies the traffic
        (or after the last one), as inline blocks when the ACL's entries are inline (or it has
        none), else as aws_network_acl_rule resources beside it."""
        acl_block = self._block(step.acl)
        acl = self.model.network_acls[step.acl]
        module = parse_resource_address(step.acl).module
        taken = {(rule.egress, rule.number) for rule in acl.rules}
        numbered = []
        for entry in step.entries:
            number = _free_number(entry, sorted(n for egress, n in taken if egress == entry.egress and n is not None))
            if number is None:
                raise CannotWrite(f"{step.acl} has no free rule number below {entry.before} for the entry")
            taken.add((entry.egress, number))
            numbered.append((number, entry))
        standalone = any(rule.declared_by != step.acl for rule in acl.rules)
        if not standalone:
            return self._at_end(acl_block, f"the block of {step.acl}", lambda indent: "\n\n".join(
                _nested("egress" if entry.egress else "ingress",
                        _acl_settings(number, entry, self._subnet_cidr(entry, module), inline=True), indent)
                for number, entry in numbered), nested_indent=True)
        acl_ref = self._reference(step.acl, module)
        text = ""
        for number, entry in numbered:
            way = "out" if entry.egress else "in"
            name = self._new_name("aws_network_acl_rule", module, f"{acl_block.labels[1]}_{way}_{number}")
            settings = [("network_acl_id", acl_ref)] + _acl_settings(number, entry, self._subnet_cidr(entry, module),
                                                                      inline=False)
            text += f'\n\nresource "aws_network_acl_rule" "{name}" {{\n{_aligned(settings, _INDENT)}\n}}'
        return _after(acl_block, text)

    def _subnet_cidr(self, entry: AclEntry, module: str) -> str:
        """The peer subnet's CIDR block as the module can say it: its attribute, else the text."""
        if parse_resource_address(entry.peer_subnet).module == module and self.locator.block(entry.peer_subnet):
            parsed = parse_resource_address(entry.peer_subnet)
            return f"{parsed.resource}{parsed.key or ''}.cidr_block"
        return _quote(entry.peer_network)

    # --- modules `terraform init` installed ---------------------------------------------

    def _installed(self, step: Admit | OwnGroup) -> bool:
        """Whether the step's place is in a module that `terraform init` installed (a module
        the repository calls but does not hold)."""
        place = step.group if isinstance(step, Admit) else step.endpoint
        return (self.locator.has_configuration and bool(parse_resource_address(place).module)
                and self.locator.block(place) is None)

    def _at_call(self, step: Admit | OwnGroup) -> list[Edit]:
        """The step written where the installed module is called: a new security group there
        that admits the flow, passed to the module in the variable the endpoint's groups come
        from. Security groups add up, so this admits what a rule in the module's group would."""
        admit = step if isinstance(step, Admit) else step.admit
        place = step.group if isinstance(step, Admit) else step.endpoint
        module = parse_resource_address(place).module
        belongs = (f"{place} is in {strip_keys(module)}, a module `terraform init` installed: the change belongs "
                   "there, or in its call")
        endpoint = admit.endpoint or (step.endpoint if isinstance(step, OwnGroup) else "")
        if isinstance(step, Admit) and endpoint and self.locator.block(endpoint) is not None:
            # The endpoint is the repository's (it carries a group an installed module makes):
            # a group of its own, beside it.
            try:
                return self._own_group(OwnGroup(endpoint, step.group, admit))
            except CannotWrite as reason:
                raise CannotWrite(f"{belongs}; a new group of {endpoint}'s own is not written either: {reason}")
        carried = self.locator.group_variable(endpoint) if endpoint else None
        if carried is None or parse_resource_address(endpoint).module != module:
            raise CannotWrite(f"{belongs}; no one variable of the module carries the security groups of "
                              f"{endpoint or 'the endpoint'}")
        variable, default_empty = carried
        call = self.locator.call_block(module)
        if call is None:
            raise CannotWrite(f"{belongs} (its call is in an installed module too)")
        steps = split_steps(module)
        caller = ".".join(steps[:-2])
        label = call.labels[0] if call.labels else "module"
        name = self._new_name("aws_security_group", caller, f"{label}_from_{_peer_word(admit)}")
        beside = step.group if isinstance(step, Admit) else step.beside
        group_text = self._group_text(name, admit, beside, caller)
        new_ref = f"aws_security_group.{name}.id"
        edit = self._pass_group(call, variable, default_empty, new_ref, strip_keys(module))
        each = "each instance of " if "count" in call.attributes or "for_each" in call.attributes else ""
        self._at_calls.append(f"written at the call of {strip_keys(module)} (installed by `terraform init`): a new "
                              f"security group aws_security_group.{name} passed to {each}it in `{variable}`")
        return [_after(call, group_text), edit]

    def _pass_group(self, call: Block, variable: str, default_empty: bool, new_ref: str, module: str) -> Edit:
        """`new_ref` added to the list the call passes in `variable`."""
        attribute = call.attributes.get(variable)
        if attribute is None:
            if not default_empty:
                raise CannotWrite(f"the call of {module} sets no `{variable}`, whose default a list of the new "
                                  "group would replace")
            return self._paragraph(call, f"{variable} = [{new_ref}]", f"the call of {module}")
        if isinstance(attribute.expr, TupleExpr):
            return self._append_item(call, attribute, new_ref, f"`{variable}` of the call of {module}")
        if attribute.end_line != attribute.line or attribute.column is None:
            raise CannotWrite(f"`{variable}` of the call of {module} spans several lines")
        line = self._lines(call.file)[attribute.line - 1]
        written = line[attribute.column - 1:attribute.end_column - 1]
        spaced, expression = written.split("=", 1)
        return Edit(call.file, attribute.line, attribute.column, attribute.line, attribute.end_column,
                    f"{spaced}= concat({expression.strip()}, [{new_ref}])")

    def _vpc_expression(self, beside: str, module: str) -> str | None:
        """How `module` says the VPC of the group `beside`, for a new group beside it: that
        group's own `vpc_id` when it is of the module (None: the default VPC, which a group
        with no vpc_id is in), else the `vpc_id` of another group of the module in the same
        VPC, else the VPC resource when the module declares it."""
        candidates = [beside] if parse_resource_address(beside).module == module else []
        known = self.model.groups.get(beside)
        vpc = known.vpc if known is not None else None
        if vpc is not None:
            candidates += [address for address, group in sorted(self.model.groups.items())
                           if group.vpc == vpc and parse_resource_address(address).module == module]
        for address in candidates:
            block = self.locator.block(address)
            if block is None or block.type != "resource" or block.labels[0] not in (
                    "aws_security_group", "aws_default_security_group"):
                continue
            attribute = block.attributes.get("vpc_id")
            if attribute is None:
                if address == beside:
                    return None
                continue
            try:
                return self._text_of(attribute, block.file)
            except CannotWrite:
                continue
        if vpc is not None and parse_resource_address(vpc).module == module:
            parsed = parse_resource_address(vpc)
            return f"{parsed.resource}{parsed.key or ''}.id"
        named = self.locator.output_naming(vpc, module) if vpc is not None else None
        if named is not None:
            return named
        raise CannotWrite(f"no expression in {module or 'the root module'} names the VPC of {beside}, which a new "
                          "security group there needs")

    def _attach(self, block: Block, attribute_name: str, new_ref: str, step: OwnGroup) -> Edit:
        """The new group added to the endpoint's list of groups (or the list written, keeping
        the VPC default group it had)."""
        attribute = block.attributes.get(attribute_name)
        if attribute is None:
            default = self.model.groups.get(step.beside)
            if default is None or not default.is_vpc_default:
                raise CannotWrite(f"{step.endpoint} sets no {attribute_name} to add the new group to")
            kept = self._reference(step.beside, parse_resource_address(step.endpoint).module)
            return self._paragraph(block, f"{attribute_name} = [{kept}, {new_ref}]", f"the block of {step.endpoint}")
        if not isinstance(attribute.expr, TupleExpr):
            raise CannotWrite(f"{attribute_name} of {step.endpoint} is not a list to add the new group to")
        return self._append_item(block, attribute, new_ref, f"{attribute_name} of {step.endpoint}")

    def _paragraph(self, block: Block, text: str, what: str) -> Edit:
        """`text` as a paragraph of its own at the end of `block`: the attributes above keep
        their alignment, as `terraform fmt` has it."""
        return self._at_end(block, what, lambda indent: f"{indent}{text}")

    def _at_end(self, block: Block, what: str, make, nested_indent: bool = False) -> Edit:
        """What `make(indent)` writes, as a paragraph of its own before the closing brace of
        `block` (indented as its nested blocks are, with `nested_indent`, else one step in)."""
        lines = self._lines(block.file)
        closing = lines[block.end_line - 1]
        if closing.strip() != "}" or block.end_line == block.start_line:
            raise CannotWrite(f"{what} does not end with a line of its own")
        indent = closing[:len(closing) - len(closing.lstrip())] + _INDENT
        nested = [b for b in block.blocks if b.start_column] if nested_indent else []
        if nested:
            indent = " " * (nested[0].start_column - 1)
        written = f"\n{make(indent)}\n"
        if not lines[block.end_line - 2].strip():
            written = written[1:]  # a blank line is there already
        return Edit(block.file, block.end_line, 1, block.end_line, 1, written)

    def _append_item(self, block: Block, attribute: Attribute, new_ref: str, what: str) -> Edit:
        """`new_ref` as the last item of the list `attribute`, in the list's own layout."""
        if attribute.end_column is None:
            raise CannotWrite(f"{what} is not a list to add the new group to")
        lines = self._lines(block.file)
        line = lines[attribute.end_line - 1]
        close = attribute.end_column - 2  # the index of its closing bracket
        if line[close] != "]":
            raise CannotWrite(f"{what} does not end with its list")
        before = line[:close].rstrip()
        if before.strip() or not attribute.expr.items:
            # Something precedes the closing bracket on its line: the new item goes there.
            separator = "" if not attribute.expr.items else " " if before.endswith(",") else ", "
            return Edit(block.file, attribute.end_line, close + 1, attribute.end_line, close + 1,
                        f"{separator}{new_ref}")
        # One item a line, the bracket on a line of its own: a line like the last item's.
        last = attribute.end_line - 1
        while last > attribute.line and not lines[last - 1].strip():
            last -= 1
        item = lines[last - 1]
        if "#" in item or "//" in item or "/*" in item:
            raise CannotWrite(f"the last item of {what} has a comment after it")
        indent = item[:len(item) - len(item.lstrip())]
        text = f"\n{indent}{new_ref}," if item.rstrip().endswith(",") else f",\n{indent}{new_ref}"
        end = len(item.rstrip()) + 1
        return Edit(block.file, last, end, last, end, text)

    # --- saying things from inside a module -----------------------------------------------

    def _reference(self, address: str, module: str) -> str:
        """`aws_security_group.alb.id` for a group of `module`; for a group elsewhere, the
        variable by which the module's own rules already name it (`var.lb_security_group_id`),
        else it cannot be named from inside the module."""
        parsed = parse_resource_address(address)
        if parsed.module != module:
            carrier = self._carrier(address, module) or self.locator.output_naming(address, module)
            group = self.model.groups.get(address)
            if carrier is None and group is not None and group.is_vpc_default and group.vpc is not None:
                # The default group is also the VPC's: `module.vpc.default_security_group_id`.
                carrier = self.locator.output_naming(group.vpc, module, "default_security_group_id")
            if carrier is None:
                raise CannotWrite(_unnamed(address, module))
            return carrier
        key = parsed.key or ""
        return f"{parsed.resource}{key}.id"

    def _carrier(self, address: str, module: str) -> str | None:
        """How a rule of `module` names the group `address` of another module, when it does so
        by one variable."""
        for group_address, group in sorted(self.model.groups.items()):
            if parse_resource_address(group_address).module != module:
                continue
            for rule in group.rules:
                if address not in rule.groups:
                    continue
                block = self.locator.block(rule.declared_by) if rule.declared_by != group_address else None
                if rule.declared_by == group_address:
                    group_block = self.locator.block(group_address)
                    block = group_block and inline_rule_block(group_block, rule)
                for name in ("security_groups", "source_security_group_id", "referenced_security_group_id"):
                    attribute = block.attributes.get(name) if block is not None else None
                    expr = attribute.expr if attribute is not None else None
                    if isinstance(expr, TupleExpr) and len(expr.items) == 1:
                        expr = expr.items[0]
                    if isinstance(expr, GetAttr) and isinstance(expr.target, Name) and expr.target.name == "var":
                        return f"var.{expr.name}"
        return None

    def _port_expression(self, step: Admit, module: str) -> str:
        """The port as the configuration says it, when that reads the same from `module`."""
        if step.port_set_at is not None:
            address, attribute = step.port_set_at
            block = self.locator.block(address)
            if block is not None and parse_resource_address(address).module == module:
                part, file = find_part(block, attribute)
                if isinstance(part, Attribute) and _portable(part.expr):
                    try:
                        return self._text_of(part, file)
                    except CannotWrite:
                        pass
        return str(step.port)

    def _new_name(self, kind: str, module: str, wanted: str) -> str:
        taken = self.locator.resources_in(module)
        base = re.sub(r"[^A-Za-z0-9_-]", "_", wanted)
        name, n = base, 2
        while f"{kind}.{name}" in taken or f"aws_security_group.{name}" in taken:
            name, n = f"{base}_{n}", n + 1
        return name


def _free_number(entry: AclEntry, numbers: list[int]) -> int | None:
    """A rule number for a new entry: right below the entry that denies the traffic, above the
    entry before it; after the last entry (the next multiple of 10) for the implicit deny."""
    if entry.before is None:
        number = (max(numbers, default=90) // 10 + 1) * 10
        return number if number <= 32766 else None
    below = [n for n in numbers if n < entry.before]
    candidate = entry.before - 1
    while candidate > (max(below) if below else 0):
        if candidate not in numbers:
            return candidate
        candidate -= 1
    return None


def _acl_settings(number: int, entry: AclEntry, cidr: str, inline: bool) -> list[tuple[str, str]]:
    ports = [("from_port", str(entry.from_port)), ("to_port", str(entry.to_port))]
    if inline:
        return [("rule_no", str(number)), ("action", '"allow"'), ("protocol", f'"{entry.protocol}"')] + ports + [
            ("cidr_block", cidr)]
    return [("rule_number", str(number)), ("egress", "true" if entry.egress else "false"),
            ("protocol", f'"{entry.protocol}"'), ("rule_action", '"allow"'), ("cidr_block", cidr)] + ports


def _nested(kind: str, settings: list[tuple[str, str]], indent: str) -> str:
    """A nested block (`ingress { ... }`) at `indent`, its settings aligned one step in."""
    return f"{indent}{kind} {{\n{_aligned(settings, indent + _INDENT)}\n{indent}}}"


def _after(block: Block, text: str) -> Edit:
    """`text` inserted right after `block`."""
    return Edit(block.file, block.end_line, block.end_column, block.end_line, block.end_column, text)


def _unnamed(address: str, module: str) -> str:
    """Why `module` cannot name `address`, and what would let it."""
    here = module or "the root module"
    declared_in = parse_resource_address(address).module
    if declared_in.startswith(f"{module}.module." if module else "module."):
        call = ".".join(split_steps(declared_in)[:len(split_steps(module)) + 2 if module else 2])
        return (f"{address} is made by {call}, and no output of it gives its id: add one to that module "
                f"(value = the group's id), then name {call}.<output> in {here}")
    return f"{address} is not in {here}: pass its id to {here} as a variable, then admit it there"


def _direction_of(block: Block) -> str | None:
    """INGRESS or EGRESS for an inline rule block (static or dynamic), else None."""
    kind = block.labels[0] if block.type == "dynamic" and block.labels else block.type
    return kind if kind in (INGRESS, EGRESS) else None


def _quote(text: str) -> str:
    """An HCL string literal holding `text` (addresses may hold quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{") + '"'


def _portable(expr) -> bool:
    """A literal, or `var.x` / `local.x`: reads the same anywhere in its module."""
    if isinstance(expr, Literal):
        return not isinstance(expr.value, str)  # a port written as a string ("8081") reads as its number
    return isinstance(expr, GetAttr) and isinstance(expr.target, Name) and expr.target.name in ("var", "local")


def _aligned(settings: list[tuple[str, str]], indent: str) -> str:
    """`name = value` lines with the equals signs aligned, as `terraform fmt` writes them."""
    width = max(len(name) for name, _ in settings)
    return "\n".join(f"{indent}{name.ljust(width)} = {value}" for name, value in settings)


def _inline_sources(step: Admit, peers: list[str]) -> list[tuple[str, str]]:
    """The source (or destination) of an inline rule or an aws_security_group_rule: the peer's
    groups, else its networks."""
    if peers:
        return [("security_groups", f"[{', '.join(peers)}]")]
    if not step.peer_networks:
        raise CannotWrite("the peer has neither a security group nor known addresses to name")
    sources = []
    for name, family in (("cidr_blocks", False), ("ipv6_cidr_blocks", True)):
        networks = [network for network in step.peer_networks if (":" in network) == family]
        if networks:
            sources.append((name, "[" + ", ".join(_quote(network) for network in networks) + "]"))
    return sources


def _description(step: Admit, by_groups: bool = True) -> str:
    """`tcp/80 from aws_security_group.alb`; by the peer's networks when the rule names them
    (instead of its groups, when those are known: then it says whose they are)."""
    # AWS takes only some characters in a description: no quotes (the keys in
    # module.sg["api"] lose theirs).
    ports = f"{step.port}" if step.last_port is None else f"{step.port}-{step.last_port}"
    word = "from" if step.direction == INGRESS else "to"
    if by_groups:
        return f"{step.protocol}/{ports} {word} {', '.join(step.peers)}".replace('"', "")
    whose = f" (where {step.peers[0]} is)" if step.peers else ""
    return f"{step.protocol}/{ports} {word} {', '.join(step.peer_networks)}{whose}".replace('"', "")


def _peer_word(step: Admit) -> str:
    """A short name for the peer in a new resource's name: its group's name."""
    if not step.peers:
        return "anywhere" if any(network in ("0.0.0.0/0", "::/0") for network in step.peer_networks) else "network"
    parsed = parse_resource_address(step.peers[0])
    name = split_key(parsed.resource.split(".")[-1])[0]
    if name == "this" and parsed.module:
        # A module's one group (terraform-aws-modules name it `this`): the call says whose.
        return split_key(split_steps(parsed.module)[-1])[0]
    return name

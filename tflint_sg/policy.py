"""Your own tier policies: a JMESPath expression over the model's JSON document (graph.py);
every element it selects becomes a finding, located at its resource, suppressible like any rule.

    policy "no_lb_to_data" {
      select   = "flows[?from_tier=='load balancer' && to_tier=='data store' && status=='allowed']"
      message  = "A load balancer can reach a data store directly."
      severity = "warning"
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tflint_sg.errors import InputError
from tflint_sg.findings import Finding, Related


@dataclass(frozen=True)
class Policy:
    name: str
    select: Any  # a compiled JMESPath expression
    message: str
    severity: str

    @staticmethod
    def compile(path: str, line: int, name: str, select: str, message: str, severity: str) -> Policy:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            compiled = jmespath.compile(select)
        except JMESPathError as error:
            raise InputError(path, f"policy {name!r}: invalid JMESPath expression: {str(error).splitlines()[0]}",
                             line) from None
        return Policy(name, compiled, message, severity)

    def findings(self, graph: dict) -> list[Finding]:
        selected = self.select.search(graph)
        if selected is None:
            return []
        found = []
        for element in selected if isinstance(selected, list) else [selected]:
            if not isinstance(element, dict):
                continue
            subject = element.get("to") or element.get("address") or element.get("from")
            if not isinstance(subject, str):
                continue
            source = element.get("from")
            what = f"{source} -> {subject} {element.get('protocol')}/{element.get('port')}" if source else subject
            found.append(Finding(
                rule=self.name,
                subject=subject,
                message=f"{what}: {self.message}",
                fix=f"Change the configuration so that policy {self.name} no longer selects it, or suppress it.",
                related=(Related(source, "from"),) if isinstance(source, str) else (),
                load_balancer=None,
                protocol=element.get("protocol") if isinstance(element.get("protocol"), str) else None,
                port=element.get("port") if isinstance(element.get("port"), int) else None,
                peer=source if isinstance(source, str) else None,
                severity=self.severity,
            ))
        return found

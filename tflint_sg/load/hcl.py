"""Read a Terraform source directory (the root module and the modules it calls) into a `Config`.

The same `Config` as a plan gives: resource instances with the addresses Terraform gives them,
values evaluated from the configuration, and `Ref`s where apply decides. It also records where
each instance and module call is declared, so that findings point at `.tf` lines.
"""

from __future__ import annotations

import os

from tflint_sg.config import NETWORK_TYPES, Config, Resource, canonical_type
from tflint_sg.errors import InputError
from tflint_sg.load import hcl_sources
from tflint_sg.load.hcl_module import Environment, ModuleDef, ModuleInstance, Span
from tflint_sg.load.hcl_parse import parse_file


def load_directory(directory: str, var_files: list[str] = (), var_args: list[str] = (),
                   root_values: dict | None = None) -> Config:
    """`root_values` replaces the tfvars files and options: a plan records the values it used."""
    root = os.path.normpath(directory)
    files = hcl_sources.module_files(root)
    if not files:
        raise InputError(directory, "no Terraform files (*.tf, *.tf.json) in this directory")
    if root_values is None:
        values, notes = hcl_sources.root_variable_values(root, list(var_files), list(var_args))
    else:
        values, notes = dict(root_values), []
    definitions: dict[str, ModuleDef] = {}

    def load_module(module_dir: str) -> ModuleDef:
        module_dir = os.path.normpath(module_dir)
        if module_dir not in definitions:
            blocks = [block for path in hcl_sources.module_files(module_dir) for block in parse_file(path)]
            definitions[module_dir] = ModuleDef(module_dir, blocks)
        return definitions[module_dir]

    def resolve_source(caller_dir: str, key: str, source: str):
        return hcl_sources.resolve_module_source(root, caller_dir, key, source)

    env = Environment(root, values, load_module, resolve_source)
    config = Config(source=directory)
    config.notes.extend(notes)
    for override in hcl_sources.override_files(root):
        config.notes.append(f"{override}: override files are not merged; its settings are ignored")

    pending = [ModuleInstance(env, load_module(root), "", "")]
    while pending:
        instance = pending.pop()
        for resource in instance.resource_instances():
            resource_type = canonical_type(resource.type)
            block = resource.block
            config.spans[resource.address] = Span(block.file, block.start_line, block.end_line)
            if resource_type in NETWORK_TYPES:
                config.resources[resource.address] = Resource(
                    resource.address, resource_type, resource.values(), instance.path, resource.declared())
        pending.extend(instance.child_instances())
    config.call_spans.update(env.call_spans)
    config.notes.extend(env.notes)
    config.resources = dict(sorted(config.resources.items()))
    return config

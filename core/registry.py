"""Config names checked against the registries that live with their code (eval, rag, finetune).

The config looks a name up when it validates, so a new arm, retriever or update strategy needs no
edit in core, and core imports nothing above it when it is loaded.
"""

from __future__ import annotations

import importlib
from typing import Annotated

from pydantic import AfterValidator


def registry_names(registry: str) -> list[str]:
    """The names in a registry given as `module:attribute` (a dict keyed by name).

    Arms, retrievers and update strategies are registered where their code lives (eval, rag,
    finetune): the config looks the names up when it validates, so a new entry needs no edit here
    and core imports nothing above it when it is loaded.
    """
    module, attribute = registry.split(":")
    return list(getattr(importlib.import_module(module), attribute))


def _registered(registry: str):
    def check(value: str) -> str:
        names = registry_names(registry)
        if value not in names:
            raise ValueError(f"{value!r} is not one of {', '.join(names)}")
        return value

    return AfterValidator(check)


ArmName = Annotated[str, _registered("eval.catalogue:ARMS")]
RetrieverName = Annotated[str, _registered("rag.retrievers:RETRIEVERS")]
StrategyName = Annotated[str, _registered("finetune.strategies:STRATEGIES")]
ExecutorName = Annotated[str, _registered("eval.stages.executor:EXECUTORS")]

"""What a flow does to one record is the spec language's meaning, so it lives in
``engine.dsl.mapping``, where lint runs each flow's examples through it without
reaching into the runtime. The sync engine's imports keep this name.

    >>> from engine.sync.mapping import map_record
"""

from engine.dsl.mapping import MappingError, apply_enum, map_record, truthy

__all__ = ["MappingError", "apply_enum", "map_record", "truthy"]

"""The bundled experiment configs (YAML), installed with the package: `ragvsft run --config quick`
finds quick.yaml here from any directory (core/bundled.py)."""

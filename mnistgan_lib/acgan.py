"""(being written)"""

PRESETS: dict = {}

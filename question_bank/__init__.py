"""Question bank library: parse, validate, normalise and draw questions.

Pure Python: no Flask and no SQLAlchemy, so every rule is tested with plain inputs.
"""

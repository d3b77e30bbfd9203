"""Templates from application code: the AWS calls a Python program makes, read from its syntax
tree (``scan``), mapped to IAM actions and ARNs through the IAM database (``resolve``), written
as crud templates (``render``). ``generate.generate`` runs the whole way."""

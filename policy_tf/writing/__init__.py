"""Writing policies: template -> requests -> grants -> statements -> document, then minimize and fit."""

locals {
  header = "# policy_tf template rendered by Terraform (terraform/modules/template): change the module's inputs, not this file.\n"
  yaml   = "${local.header}${yamlencode(local.template)}"
  json   = jsonencode(local.template)
}

# Writes the YAML template to var.output_file, without the hashicorp/local provider:
# terraform_data is built into Terraform. A change of path or content replaces it
# (the old file is removed, the new one written).
resource "terraform_data" "output_file" {
  count = var.output_file == null ? 0 : 1

  input            = var.output_file
  triggers_replace = [var.output_file, local.yaml]

  provisioner "local-exec" {
    command = "mkdir -p \"$(dirname \"$POLICY_TF_OUTPUT_FILE\")\" && printf '%s' \"$POLICY_TF_TEMPLATE\" > \"$POLICY_TF_OUTPUT_FILE\""
    environment = {
      POLICY_TF_OUTPUT_FILE = var.output_file
      POLICY_TF_TEMPLATE    = local.yaml
    }
    interpreter = ["/bin/sh", "-c"]
  }

  provisioner "local-exec" {
    when        = destroy
    command     = "rm -f \"$POLICY_TF_OUTPUT_FILE\""
    environment = { POLICY_TF_OUTPUT_FILE = self.output }
    interpreter = ["/bin/sh", "-c"]
  }
}

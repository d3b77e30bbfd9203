locals {
  header = "# policy_tf template rendered by Terraform (terraform/modules/template): change the module's inputs, not this file.\n"
  yaml   = "${local.header}${yamlencode(local.template)}"
  json   = jsonencode(local.template)
}

# Writes the YAML template to var.output_file without a shell or the hashicorp/local provider:
# terraform_data is built into Terraform, and its local-exec runs policy_tf itself as the
# interpreter (`policy_tf save-template --output PATH`, the YAML in an environment
# variable), so it works wherever policy_tf runs, Windows included. A change of path or content
# replaces it (the old file is removed, the new one written).
resource "terraform_data" "output_file" {
  count = var.output_file == null ? 0 : 1

  input            = { file = var.output_file, command = var.policy_tf_command }
  triggers_replace = [var.output_file, local.yaml]

  provisioner "local-exec" {
    command     = var.output_file
    interpreter = concat(var.policy_tf_command, ["save-template", "--output"])
    environment = { POLICY_TF_TEMPLATE = local.yaml }
  }

  provisioner "local-exec" {
    when        = destroy
    command     = self.output.file
    interpreter = concat(self.output.command, ["save-template", "--delete", "--output"])
  }
}

"""The privilege-escalation catalogue against the peers' own lists.

Each method: a policy granting exactly its actions on "*" is flagged, and without any one of
them it is quiet. Each method of Cloudsplaining's current list, each iam-vulnerable path and
each pathfinding.cloud path the catalogue names is flagged by some method of ours.
"""
from __future__ import annotations

import pytest

from policy_tf.analysis import risklists
from policy_tf.analysis.checks import check_policy
from policy_tf.analysis.model import PolicyInput

METHODS = risklists.privilege_escalation()
BY_ID = {m.id: m for m in METHODS}

# Cloudsplaining's PRIVILEGE_ESCALATION_METHODS (salesforce/cloudsplaining, constants.py, August
# 2026 HEAD; 59 methods, #581 included): name -> actions.
CLOUDSPLAINING = {
    "CreateAccessKey": "iam:CreateAccessKey",
    "CreateLoginProfile": "iam:CreateLoginProfile",
    "UpdateLoginProfile": "iam:UpdateLoginProfile",
    "AddUserToGroup": "iam:AddUserToGroup",
    "CreateNewPolicyVersion": "iam:CreatePolicyVersion",
    "SetExistingDefaultPolicyVersion": "iam:SetDefaultPolicyVersion",
    "AttachUserPolicy": "iam:AttachUserPolicy",
    "AttachGroupPolicy": "iam:AttachGroupPolicy",
    "AttachRolePolicy": "iam:AttachRolePolicy",
    "PutUserPolicy": "iam:PutUserPolicy",
    "PutGroupPolicy": "iam:PutGroupPolicy",
    "PutRolePolicy": "iam:PutRolePolicy",
    "UpdateRolePolicyToAssumeIt": "iam:UpdateAssumeRolePolicy",
    "CreateEC2WithExistingIP": "iam:PassRole ec2:RunInstances",
    "PassExistingRoleToNewLambdaThenInvoke": "iam:PassRole lambda:CreateFunction lambda:InvokeFunction",
    "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo":
        "iam:PassRole lambda:CreateFunction lambda:CreateEventSourceMapping dynamodb:CreateTable dynamodb:PutItem",
    "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo": "iam:PassRole lambda:CreateFunction "
                                                                "lambda:CreateEventSourceMapping",
    "PassExistingRoleToNewGlueDevEndpoint": "iam:PassRole glue:CreateDevEndpoint",
    "PassExistingRoleToCloudFormation": "iam:PassRole cloudformation:CreateStack",
    "PassExistingRoleToNewDataPipeline": "iam:PassRole datapipeline:CreatePipeline",
    "UpdateExistingGlueDevEndpoint": "glue:UpdateDevEndpoint",
    "EditExistingLambdaFunctionWithRole": "lambda:UpdateFunctionCode",
    "AccessExistingBedrockCodeInterpreterSession": "bedrock-agentcore:StartCodeInterpreterSession "
                                                   "bedrock-agentcore:InvokeCodeInterpreter",
    "ExecuteCloudFormationChangeSet": "cloudformation:CreateChangeSet cloudformation:ExecuteChangeSet",
    "ModifyEC2InstanceUserDataThenRestart": "ec2:ModifyInstanceAttribute ec2:StopInstances ec2:StartInstances",
    "ModifyExistingEC2LaunchTemplate": "ec2:CreateLaunchTemplateVersion ec2:ModifyLaunchTemplate",
    "EC2InstanceConnectSendSSHPublicKey": "ec2-instance-connect:SendSSHPublicKey ec2:DescribeInstances",
    "ECSExecuteCommandOnRunningTask": "ecs:ExecuteCommand ecs:DescribeTasks",
    "UpdateAndInvokeLambdaFunction": "lambda:UpdateFunctionCode lambda:InvokeFunction",
    "UpdateLambdaFunctionAndAddPermission": "lambda:UpdateFunctionCode lambda:AddPermission",
    "CreatePresignedSageMakerNotebookUrl": "sagemaker:CreatePresignedNotebookInstanceUrl",
    "UpdateSageMakerNotebookLifecycleConfig": "sagemaker:CreateNotebookInstanceLifecycleConfig "
                                              "sagemaker:StopNotebookInstance "
                                              "sagemaker:UpdateNotebookInstance sagemaker:StartNotebookInstance",
    "PassExistingRoleToNewAppRunnerService": "iam:PassRole apprunner:CreateService",
    "PassExistingRoleToNewBedrockCodeInterpreter": "iam:PassRole bedrock-agentcore:CreateCodeInterpreter "
                                                   "bedrock-agentcore:StartCodeInterpreterSession "
                                                   "bedrock-agentcore:InvokeCodeInterpreter",
    "PassExistingRoleToNewCloudFormationStackSet": "iam:PassRole cloudformation:CreateStackSet "
                                                   "cloudformation:CreateStackInstances",
    "PassRoleToUpdateCloudFormationStackSet": "iam:PassRole cloudformation:UpdateStackSet",
    "PassExistingRoleToNewCodeBuildProjectThenBuild": "iam:PassRole codebuild:CreateProject codebuild:StartBuild",
    "PassExistingRoleToNewCodeBuildProjectThenBuildBatch": "iam:PassRole codebuild:CreateProject "
                                                           "codebuild:StartBuildBatch",
    "PassExistingRoleToNewEC2SpotInstance": "iam:PassRole ec2:RequestSpotInstances",
    "PassExistingRoleToNewECSClusterServiceTask": "iam:PassRole ecs:CreateCluster ecs:RegisterTaskDefinition "
                                                  "ecs:CreateService",
    "PassExistingRoleToNewECSClusterRunTask": "iam:PassRole ecs:CreateCluster ecs:RegisterTaskDefinition ecs:RunTask",
    "PassExistingRoleToNewECSService": "iam:PassRole ecs:RegisterTaskDefinition ecs:CreateService",
    "PassExistingRoleToNewECSTaskViaRunTask": "iam:PassRole ecs:RegisterTaskDefinition ecs:RunTask",
    "PassExistingRoleToNewECSTaskViaStartTask": "iam:PassRole ecs:RegisterTaskDefinition ecs:StartTask",
    "PassExistingRoleToNewGlueJobThenRun": "iam:PassRole glue:CreateJob glue:StartJobRun",
    "PassExistingRoleToNewGlueJobViaTrigger": "iam:PassRole glue:CreateJob glue:CreateTrigger",
    "PassExistingRoleToUpdatedGlueJobThenRun": "iam:PassRole glue:UpdateJob glue:StartJobRun",
    "PassExistingRoleToUpdatedGlueJobViaTrigger": "iam:PassRole glue:UpdateJob glue:CreateTrigger",
    "PassExistingRoleToNewLambdaThenAddPermission": "iam:PassRole lambda:CreateFunction lambda:AddPermission",
    "PassExistingRoleToNewSageMakerNotebookInstance": "iam:PassRole sagemaker:CreateNotebookInstance",
    "PassExistingRoleToNewSageMakerTrainingJob": "iam:PassRole sagemaker:CreateTrainingJob",
    "PassExistingRoleToNewSageMakerProcessingJob": "iam:PassRole sagemaker:CreateProcessingJob",
    "CreateAndRotateAccessKey": "iam:CreateAccessKey iam:DeleteAccessKey",
    "AttachUserPolicyThenCreateAccessKey": "iam:AttachUserPolicy iam:CreateAccessKey",
    "CreatePolicyVersionThenAssumeRole": "iam:CreatePolicyVersion sts:AssumeRole",
    "PutUserPolicyThenCreateAccessKey": "iam:PutUserPolicy iam:CreateAccessKey",
    "AttachRolePolicyThenUpdateAssumeRolePolicy": "iam:AttachRolePolicy iam:UpdateAssumeRolePolicy",
    "CreatePolicyVersionThenUpdateAssumeRolePolicy": "iam:CreatePolicyVersion iam:UpdateAssumeRolePolicy",
    "PutRolePolicyThenUpdateAssumeRolePolicy": "iam:PutRolePolicy iam:UpdateAssumeRolePolicy",
}

# BishopFox iam-vulnerable privesc paths (modules/free-resources/privesc-paths): the actions each
# path's policy grants. privesc-AssumeRole is a trust path: see test_audit_graph.py.
IAM_VULNERABLE = {
    "privesc1-CreateNewPolicyVersion": "iam:CreatePolicyVersion",
    "privesc2-SetExistingDefaultPolicyVersion": "iam:SetDefaultPolicyVersion",
    "privesc3-CreateEC2WithExistingIP": "iam:PassRole ec2:RunInstances",
    "privesc4-CreateAccessKey": "iam:CreateAccessKey",
    "privesc5-CreateLoginProfile": "iam:CreateLoginProfile",
    "privesc6-UpdateLoginProfile": "iam:UpdateLoginProfile",
    "privesc7-AttachUserPolicy": "iam:AttachUserPolicy",
    "privesc8-AttachGroupPolicy": "iam:AttachGroupPolicy",
    "privesc9-AttachRolePolicy": "iam:AttachRolePolicy",
    "privesc10-PutUserPolicy": "iam:PutUserPolicy",
    "privesc11-PutGroupPolicy": "iam:PutGroupPolicy",
    "privesc12-PutRolePolicy": "iam:PutRolePolicy",
    "privesc13-AddUserToGroup": "iam:AddUserToGroup",
    "privesc14-UpdatingAssumeRolePolicy": "iam:UpdateAssumeRolePolicy",
    "privesc15-PassExistingRoleToNewLambdaThenInvoke": "iam:PassRole lambda:CreateFunction lambda:InvokeFunction",
    "privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo":
        "iam:PassRole lambda:CreateFunction lambda:CreateEventSourceMapping dynamodb:CreateTable dynamodb:PutItem",
    "privesc17-EditExistingLambdaFunctionWithRole": "lambda:UpdateFunctionCode",
    "privesc18-PassExistingRoleToNewGlueDevEndpoint": "iam:PassRole glue:CreateDevEndpoint",
    "privesc19-UpdateExistingGlueDevEndpoint": "glue:UpdateDevEndpoint",
    "privesc20-PassExistingRoleToCloudFormation": "iam:PassRole cloudformation:CreateStack",
    "privesc21-PassExistingRoleToNewDataPipeline": "iam:PassRole datapipeline:CreatePipeline",
    "privesc-cloudFormationUpdateStack": "cloudformation:UpdateStack",
    "privesc-codeBuildCreateProjectPassRole": "iam:PassRole codebuild:CreateProject codebuild:StartBuild",
    "privesc-ec2InstanceConnect": "ec2-instance-connect:SendSSHPublicKey",
    "privesc-sageMakerCreateNotebookPassRole": "iam:PassRole sagemaker:CreateNotebookInstance",
    "privesc-sageMakerCreatePresignedNotebookURL": "sagemaker:CreatePresignedNotebookInstanceUrl",
    "privesc-sageMakerCreateProcessingJob": "iam:PassRole sagemaker:CreateProcessingJob",
    "privesc-sageMakerCreateTrainingJob": "iam:PassRole sagemaker:CreateTrainingJob",
    "privesc-ssmSendCommand": "ssm:SendCommand",
    "privesc-ssmStartSession": "ssm:StartSession",
}


def _policy(actions, resource="*") -> dict:
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": sorted(actions), "Resource": resource}]}


def _privesc(actions) -> dict:
    """PRIVESC_ code -> method name, for a policy granting exactly ``actions`` on "*"."""
    found = check_policy(PolicyInput("p.json", "p", "identity", _policy(actions)), checks={"privilege-escalation"})
    return {f.code: f.method for f in found}


@pytest.mark.parametrize("method", METHODS, ids=[m.id for m in METHODS])
def test_each_method_is_flagged_with_exactly_its_actions_and_quiet_without_any_one(method):
    code = f"PRIVESC_{method.id}"
    assert code in _privesc(method.actions)
    for missing in method.actions:
        rest = [a for a in method.actions if a != missing]
        assert code not in (_privesc(rest) if rest else {}), f"{code} still reported without {missing}"


@pytest.mark.parametrize("name", sorted(CLOUDSPLAINING))
def test_every_cloudsplaining_method_is_flagged_by_the_method_that_names_it(name):
    ours = [m for m in METHODS if dict(m.peers).get("cloudsplaining") == name]
    assert len(ours) == 1, f"no catalogue entry names Cloudsplaining's {name}"
    # ours needs no more than theirs (theirs may add discovery calls such as ec2:DescribeInstances)
    assert set(ours[0].actions) <= set(CLOUDSPLAINING[name].split())
    assert f"PRIVESC_{ours[0].id}" in _privesc(CLOUDSPLAINING[name].split())


def test_the_cloudsplaining_list_is_the_current_59_with_581_applied():
    assert len(CLOUDSPLAINING) == 59
    for alone in ("AttachRolePolicy", "PutRolePolicy", "UpdateRolePolicyToAssumeIt"):
        assert "sts:AssumeRole" not in CLOUDSPLAINING[alone]


@pytest.mark.parametrize("path", sorted(IAM_VULNERABLE))
def test_every_iam_vulnerable_path_is_flagged_by_the_method_that_names_it(path):
    ours = [m for m in METHODS if dict(m.peers).get("iam_vulnerable") == path]
    assert len(ours) == 1, f"no catalogue entry names iam-vulnerable's {path}"
    assert f"PRIVESC_{ours[0].id}" in _privesc(IAM_VULNERABLE[path].split())


def test_pathfinding_paths_are_linked_from_their_methods():
    named = {dict(m.peers)["pathfinding"] for m in METHODS if "pathfinding" in dict(m.peers)}
    assert len(named) >= 60
    for m in METHODS:
        path = dict(m.peers).get("pathfinding")
        if path and m.source.startswith("https://pathfinding.cloud/paths/"):
            assert m.source == f"https://pathfinding.cloud/paths/{path}"


@pytest.mark.parametrize("alone", ["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"])
def test_role_policy_and_trust_edits_escalate_alone_the_holder_may_be_the_role(alone):
    assert _privesc([alone]), f"{alone} alone is not flagged"


def test_role_policy_and_trust_edits_combined_raise_the_combined_methods():
    found = _privesc(["iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"])
    assert {"PRIVESC_ATTACH_ROLE_POLICY_UPDATE_TRUST", "PRIVESC_PUT_ROLE_POLICY_UPDATE_TRUST",
            "PRIVESC_ATTACH_ROLE_POLICY", "PRIVESC_PUT_ROLE_POLICY", "PRIVESC_UPDATE_ASSUME_ROLE_POLICY"} <= set(found)

"""Who can become whom: the graph of principals, and each one's shortest path to an administrator.

Nodes are the roles, users and groups of the input (account-authorization-details, or the
``aws_iam_role`` / ``_user`` / ``_group`` of a plan or ``.tf`` files), each with the identity
policies it holds, its permissions boundary and, for a role, its trust policy. An edge A -> B
means "A can act as B", with the evidence that says so:

* ``sts:AssumeRole``: B's trust policy lets A in (A by name, A's account, or anyone) and, unless
  the trust names A itself, A's own policies allow ``sts:AssumeRole`` on B;
* ``iam:UpdateAssumeRolePolicy`` on B: A rewrites B's trust to name itself;
* ``iam:PassRole`` on B with the actions of a catalogue method that runs code as the role it is
  handed (a new function, instance, job, stack...), B trusting that service;
* the update paths of existing compute (new Lambda code, a CodeBuild buildspec override, a
  stack update, a command on an instance...) with those actions on every resource, B trusting
  that service: with no inventory of functions or instances in the input, every such role may
  be the one that runs;
* ``iam:CreateAccessKey`` / ``CreateLoginProfile`` / ``UpdateLoginProfile`` on user B;
* ``iam:AddUserToGroup`` on group B (A a user).
* editing B's policies (``iam:PutRolePolicy`` and kin) where A can also act as B: a hop to B as
  A would leave it, an administrator of A's own making.

In plan and ``.tf`` mode, trust and permission policies name roles by Terraform reference
(``aws_iam_role.ops.arn``): the readers resolve those to the ARN of the role's IAM name in
the account Terraform applies to (``model.UNKNOWN_ACCOUNT``), so a trust naming
``aws_iam_role.ops`` names the node of that address, and ``sts:AssumeRole`` on it reaches it.
AWS-managed policies attached there by ARN (``Inputs.managed_policies``) carry no document;
``AWS_MANAGED`` holds the ones that make a principal admin-equivalent.

A principal is admin-equivalent when it may do every action on every resource, or may rewrite
its own permissions (``iam:PutRolePolicy`` / ``AttachRolePolicy`` on itself, the user forms, a
new version of a managed policy it holds). One breadth-first search from the administrators
over the reversed edges gives every principal's shortest path at once; an edge to every role of
a kind (``iam:PassRole`` on ``*``) is kept as one edge to that kind, not one per role, so the
search stays linear in the input.
"""
from __future__ import annotations

from collections import deque, namedtuple
from functools import lru_cache

from policy_tf.analysis import risklists, wildcard
from policy_tf.analysis.model import UNKNOWN_ACCOUNT, PolicyInput

Hop = namedtuple("Hop", "source target how evidence")
Path = namedtuple("Path", "principal hops admin why")

KINDS = ("role", "user", "group")
# The service principals a method's actions run code under (by the actions' service prefix).
SERVICES = {
    "lambda": ("lambda.amazonaws.com",), "ec2": ("ec2.amazonaws.com",), "autoscaling": ("ec2.amazonaws.com",),
    "ec2-instance-connect": ("ec2.amazonaws.com",), "ssm": ("ec2.amazonaws.com", "ssm.amazonaws.com"),
    "codedeploy": ("ec2.amazonaws.com",), "ecs": ("ecs-tasks.amazonaws.com",),
    "batch": ("ecs-tasks.amazonaws.com", "batch.amazonaws.com"), "glue": ("glue.amazonaws.com",),
    "cloudformation": ("cloudformation.amazonaws.com",), "codebuild": ("codebuild.amazonaws.com",),
    "sagemaker": ("sagemaker.amazonaws.com",),
    "datapipeline": ("datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"),
    "elasticmapreduce": ("elasticmapreduce.amazonaws.com", "ec2.amazonaws.com"), "states": ("states.amazonaws.com",),
    "apprunner": ("tasks.apprunner.amazonaws.com",), "bedrock-agentcore": ("bedrock-agentcore.amazonaws.com",),
    "braket": ("braket.amazonaws.com",), "cognito-identity": ("cognito-identity.amazonaws.com",),
    "emr-serverless": ("emr-serverless.amazonaws.com",), "gamelift": ("ec2.amazonaws.com", "gamelift.amazonaws.com"),
    "imagebuilder": ("ec2.amazonaws.com",), "kinesisanalytics": ("kinesisanalytics.amazonaws.com",),
    "omics": ("omics.amazonaws.com",),
}
_USER_EDGES = ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile")
_SELF_EDITS = {"role": ("iam:PutRolePolicy", "iam:AttachRolePolicy"),
               "user": ("iam:PutUserPolicy", "iam:AttachUserPolicy"),
               "group": ("iam:PutGroupPolicy", "iam:AttachGroupPolicy")}
EVERY = object()  # a class edge's target: every node of a class
# AWS-managed policies a plan or .tf file attaches by ARN (their documents are not in the input),
# by the resource part of the ARN: only those that make the holder admin-equivalent matter here.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
AWS_MANAGED = {
    "policy/AdministratorAccess": {"Version": "2012-10-17",
                                   "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}


def identity_of(key: str) -> tuple[str, str] | None:
    """(kind, IAM name) of a principal key: ``role/app``, ``aws_iam_role.app``,
    ``module.m.aws_iam_user.ana`` (a plan's resource name stands for the IAM name)."""
    for kind in KINDS:
        if key.startswith(f"{kind}/"):
            return kind, key.split("/")[-1]
        marker = f"aws_iam_{kind}."
        if key.startswith(marker) or f".{marker}" in key:
            return kind, key.split(marker)[-1].split(".")[0].split("[")[0]
    return None


@lru_cache(maxsize=65536)
def hits(pattern: str, kind: str, name: str) -> bool:
    """Whether a Resource pattern of an identity policy covers principal ``kind/name`` (any
    account, any path the pattern names)."""
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6 or parts[2] not in ("iam", "*") and "*" not in parts[2]:
        return False
    account = parts[4] if parts[4].isdigit() else "123456789012"
    rest = parts[5]
    candidates = [f"{kind}/{name}"]
    if rest.startswith(f"{kind}/") and rest.count("/") > 1:
        candidates.append(f"{rest.rsplit('/', 1)[0]}/{name}")
    return any(wildcard.arn_matches(pattern, f"arn:aws:iam::{account}:{c}") for c in candidates)


class Node:
    """One principal: its key and identity, its policies and, for a role, its trust statements."""

    __slots__ = ("key", "kind", "name", "policies", "trust", "trust_name", "grants", "broad", "ceilings", "admin")

    def __init__(self, key: str, kind: str, name: str):
        self.key, self.kind, self.name = key, kind, name
        self.policies: list = []
        self.trust: tuple = ()
        self.trust_name: str | None = None
        self.grants: dict = {}  # action -> [(resource pattern or None, not_resources, policy name, statement)]
        self.broad: frozenset = frozenset()
        self.ceilings: list = []
        self.admin: str | None = None

    def allows(self, action: str, kind: str, name: str):
        """The (policy, statement, pattern) that allows ``action`` on principal ``kind/name``, or None."""
        if any(action not in c for c in self.ceilings):
            return None
        for resource, not_resources, policy, statement in self.grants.get(action, ()):
            if resource is None:
                if not any(hits(n, kind, name) for n in not_resources):
                    return policy, statement, f"NotResource {', '.join(not_resources)}"
            elif hits(resource, kind, name):
                return policy, statement, resource
        return None

    def everywhere(self, action: str):
        """The (policy, statement, pattern) that allows ``action`` on every resource, or None."""
        if action not in self.broad or any(action not in c for c in self.ceilings):
            return None
        grants = self.grants.get(action, ())
        # the widest grant is the evidence: "*" first, then NotResource, then any pattern
        for resource, not_resources, policy, statement in sorted(grants, key=lambda g: (g[0] != "*", g[0] is not None)):
            return policy, statement, resource or f"NotResource {', '.join(not_resources)}"
        return None


_RELEVANT = frozenset(("sts:AssumeRole", "iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:AddUserToGroup",
                       "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", *_USER_EDGES,
                       *(a for actions in _SELF_EDITS.values() for a in actions)))


def _load(node: Node, index) -> None:
    """The node's effective grants: every identity policy together, Denies applied, boundary kept."""
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.effective import evaluate

    identity = [p for p in node.policies if p.kind == "identity" and isinstance(p.document, dict)]
    documents = [normalize(p.document) for p in identity]
    # numbered as check_principal / check_policy number them: evaluate's memo answers at once
    effective = evaluate([(n, s) for n, d in enumerate(documents) for s in d.statements], index)
    node.broad = effective.actions(unconstrained_only=True)
    node.ceilings = [evaluate([(0, s) for s in normalize(p.document).statements], index).actions()
                     for p in node.policies if p.kind == "boundary" and isinstance(p.document, dict)]
    for g in effective.grants:
        for action in _RELEVANT & g.actions:
            node.grants.setdefault(action, []).append((g.resource, g.not_resources or (), identity[g.policy].name,
                                                       g.statement))
    if len(node.broad) == index.count and not node.ceilings:
        whole = [p.name for p in identity if _grants_everything(p.document)]
        node.admin = "may do every action on every resource" + (f" ({', '.join(whole)})" if whole else "")
        return
    for action in _SELF_EDITS.get(node.kind, ()):
        found = node.allows(action, node.kind, node.name)
        if found:
            node.admin = f"may rewrite its own permissions: {action} on {found[2]} ({found[0]} statement {found[1]})"
            return
    held = [p.name.split("/")[-1] for p in node.policies if p.name.startswith("policy/")]
    for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"):
        for policy in held:
            found = node.allows(action, "policy", policy)
            if found:
                node.admin = (f"may rewrite the managed policy {policy} it holds: {action} on {found[2]} "
                              f"({found[0]} statement {found[1]})")
                return


def _grants_everything(document) -> bool:
    """Whether one statement of the policy allows every action on every resource, unconditioned."""
    from policy_tf.analysis.document import normalize

    return any(s.allow and s.actions == ("*",) and s.resources == ("*",) and not s.condition
               for s in normalize(document).statements)


def _trust_statements(policy) -> tuple:
    from policy_tf.analysis.document import normalize
    from policy_tf.analysis.effective import holds

    out = []
    for s in normalize(policy.document).statements:
        if not isinstance(s.raw, dict) or holds(s) is False:
            continue
        if not any(wildcard.action_matches(a, "sts:AssumeRole") for a in s.actions or ()):
            continue
        out.append(s)
    return tuple(out)


def _trust_owner(name: str) -> str | None:
    """The role key of a trust policy's name: ``role/app/trust`` or ``aws_iam_role.app.assume_role_policy``."""
    if name.endswith("/trust"):
        return name[: -len("/trust")]
    if name.endswith(".assume_role_policy"):
        return name[: -len(".assume_role_policy")]
    return None


class Graph:
    """Nodes, explicit edges and edges to every node of a class; ``paths()`` answers."""

    def __init__(self):
        self.nodes: dict = {}
        self.by_identity: dict = {}
        self.edges: dict = {}  # target key -> [(source key, how, evidence)]
        self.classes: dict = {}  # class -> [(source key, how, evidence)]
        self.members: dict = {}  # node key -> [classes it belongs to]
        self.of_kind: dict = {}  # kind -> [nodes]
        self.iam_names: dict = {}  # Terraform address -> IAM name (``name`` argument), where known

    def node(self, key: str) -> Node | None:
        found = self.nodes.get(key)
        if found is None:
            ident = identity_of(key)
            if ident is None:
                return None
            if key in self.iam_names:  # aws_iam_role.this with name = "app" is role/app to IAM
                ident = (ident[0], self.iam_names[key])
            found = self.nodes[key] = Node(key, *ident)
            self.by_identity.setdefault(ident, found)
        return found

    def edge(self, source: Node, target: Node, how: str, evidence: str) -> None:
        if source is not target:
            self.edges.setdefault(target.key, []).append((source.key, how, evidence))

    def every(self, source: Node, cls: tuple, how: str, evidence: str) -> None:
        self.classes.setdefault(cls, []).append((source.key, how, evidence))

    def paths(self) -> list:
        """Every principal that is not admin-equivalent but can become one: its shortest path."""
        admins = [n for n in self.nodes.values() if n.admin]
        dist = {n.key: 0 for n in admins}
        step: dict = {}
        done: set = set()
        queue = deque(n.key for n in admins)
        while queue:
            target = queue.popleft()
            sources = list(self.edges.get(target, ()))
            for cls in self.members.get(target, ()):
                if cls not in done:
                    done.add(cls)
                    sources += self.classes.get(cls, ())
            for source, how, evidence in sources:
                if source not in dist:
                    dist[source] = dist[target] + 1
                    step[source] = (target, how, evidence)
                    queue.append(source)
        out = []
        for key in sorted(step):
            hops, here = [], key
            while here in step:
                target, how, evidence = step[here]
                hops.append(Hop(here, target, how, evidence.replace("{target}", target)))
                here = target
            out.append(Path(key, tuple(hops), here, self.nodes[here].admin))
        return out


def build(inputs, db=None) -> Graph:
    """The graph of the principals of ``inputs`` (analysis.inputs.Inputs)."""
    from policy_tf.analysis.expand import action_index

    index = action_index(db)
    graph = Graph()
    graph.iam_names = getattr(inputs, "iam_names", {})
    for key, policies in inputs.principals.items():
        node = graph.node(key)
        if node is not None:
            node.policies = [p for p in policies if p.kind != "trust"]
    for key, attached in getattr(inputs, "managed_policies", {}).items():
        node = graph.node(key)
        for arn, attachment, file, line in attached:
            document = AWS_MANAGED.get(arn.split(":", 5)[-1])
            if node is not None and document is not None:
                node.policies.append(PolicyInput(file, f"{arn} (attached by {attachment})", "identity", document,
                                                 principal=key, line=line))
    for policy in inputs.policies:
        owner = _trust_owner(policy.name) if policy.kind == "trust" and isinstance(policy.document, dict) else None
        node = graph.node(owner) if owner else None
        if node is not None and node.kind == "role":
            node.trust, node.trust_name = _trust_statements(policy), policy.name
    for node in graph.nodes.values():
        _load(node, index)
    _edges(graph)
    return graph


@lru_cache(maxsize=None)
def _method_services() -> tuple:
    """(method, services it runs code under, needs PassRole, its other actions) for the
    catalogue's compute methods."""
    out = []
    for m in risklists.privilege_escalation():
        prefixes = {a.partition(":")[0] for a in m.actions} - {"iam", "sts", "dynamodb"}
        services = sorted({s for p in prefixes for s in SERVICES.get(p, ())})
        if m.target == "role" and services:
            out.append((m, services, "iam:PassRole" in m.actions, frozenset(m.actions) - {"iam:PassRole"}))
    return tuple(out)


def _literal(pattern: str) -> tuple[str, str] | None:
    """(kind, name) of a Resource that names one principal (no wildcard, no variable)."""
    if any(c in pattern for c in "*?$"):
        return None
    return identity_of(pattern.split(":", 5)[-1]) if pattern.startswith("arn:") else None


def _lead(pattern: str, kind: str) -> str:
    """The literal start of the names a ``...:kind/name*`` pattern matches ("" when it may match
    any name of the kind, or names under a path): a cheap filter before the matcher."""
    rest = pattern.split(":", 5)[-1]
    if not rest.startswith(f"{kind}/") or rest.count("/") != 1:
        return ""
    name = rest[len(kind) + 1:]
    cut = min((name.index(c) for c in "*?$" if c in name), default=len(name))
    return name[:cut]


def _targets(graph: Graph, a: Node, action: str, kind: str) -> list:
    """(node, (policy, statement, pattern)) for every node of ``kind`` that ``a`` may do ``action`` on:
    a named Resource is looked up, a pattern matched against the names of that kind only."""
    if action not in a.grants or any(action not in c for c in a.ceilings):
        return []
    out: dict = {}
    for resource, not_resources, policy, statement in a.grants[action]:
        named = _literal(resource) if resource else None
        if named is not None:
            node = graph.by_identity.get(named)
            if node is not None and named[0] == kind:
                out.setdefault(node.key, (node, (policy, statement, resource)))
            continue
        shown = resource or f"NotResource {', '.join(not_resources)}"
        lead = _lead(resource, kind) if resource else ""
        for node in graph.of_kind.get(kind, ()):
            if node.key in out or lead and not node.name.startswith(lead):
                continue
            if resource is None:
                hit = not any(hits(n, kind, node.name) for n in not_resources)
            else:
                hit = hits(resource, kind, node.name)
            if hit:
                out[node.key] = (node, (policy, statement, shown))
    return [v for v in out.values() if v[0] is not a]


def _edges(graph: Graph) -> None:
    graph.of_kind = {}
    for node in graph.nodes.values():
        graph.of_kind.setdefault(node.kind, []).append(node)
        graph.members.setdefault(node.key, []).append(("kind", node.kind))
    roles = graph.of_kind.get("role", [])
    # who each role trusts: by name, by account (root) or anyone, services
    named: dict = {}  # (kind, name) -> [(role, evidence)]
    open_roles: dict = {}  # role key -> evidence: any principal whose own policy allows sts:AssumeRole on it
    from policy_tf.analysis.effective import holds

    for role in roles:
        for s in role.trust:
            if not s.allow:
                continue
            unless = " (under a Condition)" if holds(s) is None else ""
            for ptype, values in (s.principal or {}).items():
                for value in values:
                    where = f"{role.trust_name} statement {s.index} trusts {value}{unless}"
                    if ptype == "Service":
                        graph.members[role.key].append(("trusts", value))
                    elif ptype in ("AWS", "*") and (value in ("*", UNKNOWN_ACCOUNT) or value.endswith(":root")
                                                    or value.isdigit()):
                        open_roles.setdefault(role.key, where)
                    elif ptype == "AWS":
                        ident = identity_of(value.split(":", 5)[-1]) if value.startswith("arn:") else None
                        if ident:
                            named.setdefault(ident, []).append((role, where))
    trusting: dict = {}  # service -> {role key}
    for role in roles:
        for cls in graph.members[role.key]:
            if cls[0] == "trusts":
                trusting.setdefault(cls[1], set()).add(role.key)
    methods = _method_services()
    for a in graph.nodes.values():
        # sts:AssumeRole where the trust names A: no permission of A's own is needed in its account
        for role, where in named.get((a.kind, a.name), ()):
            found = a.allows("sts:AssumeRole", "role", role.name)  # not needed, but evidence when there
            graph.edge(a, role, "sts:AssumeRole", where if found is None else
                       f"{where}; {found[0]} statement {found[1]} allows sts:AssumeRole on {found[2]}")
        if open_roles:
            for role, (policy, statement, pattern) in _targets(graph, a, "sts:AssumeRole", "role"):
                if role.key in open_roles:
                    graph.edge(a, role, "sts:AssumeRole",
                               f"{open_roles[role.key]}; {policy} statement {statement} allows "
                               f"sts:AssumeRole on {pattern}")
        for action, kind, how in (("iam:UpdateAssumeRolePolicy", "role", "rewrites the trust policy of"),
                                  *((x, "user", "gets credentials of") for x in _USER_EDGES),
                                  ("iam:AddUserToGroup", "group", "joins")):
            if action not in a.grants or action == "iam:AddUserToGroup" and a.kind != "user":
                continue
            found = a.everywhere(action)
            if found:
                graph.every(a, ("kind", kind), action,
                            f"{found[0]} statement {found[1]} allows {action} on {found[2]}: "
                                                       f"{how} {{target}}")
                continue
            for b, (policy, statement, pattern) in _targets(graph, a, action, kind):
                graph.edge(a, b, action, f"{policy} statement {statement} allows {action} on {pattern}: {how} {b.key}")
        passable = None
        for method, services, passrole, others in methods:
            if passrole and "iam:PassRole" not in a.grants or not others <= a.broad:
                continue
            if any(not others <= c for c in a.ceilings):
                continue
            what = f"{method.name} ({' + '.join(method.actions)})"
            if not passrole:
                for service in services:
                    graph.every(a, ("trusts", service), method.name,
                                f"{what} on every resource reaches whatever runs as {{target}}, which trusts {service}")
                continue
            found = a.everywhere("iam:PassRole")
            if found:
                for service in services:
                    graph.every(a, ("trusts", service), method.name,
                                f"{what}, iam:PassRole on {found[2]} ({found[0]} statement {found[1]}): runs code as "
                                f"{{target}}, which trusts {service}")
                continue
            if passable is None:
                passable = _targets(graph, a, "iam:PassRole", "role")
            for role, (policy, statement, pattern) in passable:
                trusted = [s for s in services if role.key in trusting.get(s, ())]
                if trusted:
                    graph.edge(a, role, method.name,
                               f"{what}, iam:PassRole on {pattern} ({policy} statement {statement}): "
                                                     f"runs code as {role.key}, which trusts {trusted[0]}")
    _edits(graph)


def _reaches(graph: Graph, a: Node, b: Node):
    """The evidence of A's own edge to B (explicit, or to every node of a class B is in), or None."""
    for source, how, evidence in graph.edges.get(b.key, ()):
        if source == a.key:
            return how, evidence
    for cls in graph.members.get(b.key, ()):
        for source, how, evidence in graph.classes.get(cls, ()):
            if source == a.key:
                return how, evidence.replace("{target}", b.key)
    return None


def _edits(graph: Graph) -> None:
    """Editing B's policies: A that may rewrite the permissions of a principal it can act as
    (iam:PutRolePolicy on a role it may assume, iam:PutUserPolicy on a user whose keys it may
    create, iam:PutGroupPolicy on a group it may join) makes B what it likes: one hop to an
    administrator of its own making. Recorded as an edge to B as A would leave it."""
    made = []
    for a in list(graph.nodes.values()):
        if a.admin:
            continue  # an administrator already: nothing to make
        for kind, actions in _SELF_EDITS.items():
            for action in actions:
                if action not in a.grants:
                    continue
                for b, (policy, statement, pattern) in _targets(graph, a, action, kind):
                    if b.admin:
                        continue
                    hop = _reaches(graph, a, b)
                    if hop:
                        made.append((a, b, action, f"{policy} statement {statement} allows {action} on {pattern}", hop))
    for a, b, action, edit, (how, evidence) in made:
        key = f"{b.key} (rewritten by {a.key})"
        if key in graph.nodes:
            continue
        node = graph.nodes[key] = Node(key, b.kind, b.name)
        node.admin = f"is what {a.key} makes it: {edit}"
        graph.edges.setdefault(key, []).append((a.key, f"{how}, after {action}", f"{evidence}; {edit}"))


def describe(path: Path) -> str:
    hops = "; ".join(f"{h.source} -> {h.target} by {h.how} ({h.evidence})" for h in path.hops)
    n = len(path.hops)
    return f"{path.principal} can become the admin-equivalent {path.admin} in {n} hop{'s' if n > 1 else ''}: {hops}. " \
           f"{path.admin} {path.why}."

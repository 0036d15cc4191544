#!/usr/bin/env python3
"""Regenerate api.github.com.subset.json: the operations hwcov calls, cut from
GitHub's REST OpenAPI description as @octokit/openapi publishes it, with every
component they reference (transitively).

    npm pack @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz
    python3 testdata/github-openapi/subset.py package/generated/api.github.com.json \
        > testdata/github-openapi/api.github.com.subset.json

Standard library only. Output is sorted and indented like the committed file.
"""
import json
import sys

# (path, methods) hwcov calls or the fake GitHub serves. Keep in step with
# internal/adapters/ghapi and internal/testing/ghfake. The releases operations are what
# action.yml calls to install a released hwcov.
PATHS = {
    "/repos/{owner}/{repo}": ["get"],
    "/repos/{owner}/{repo}/actions/artifacts": ["get"],
    "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}": ["delete", "get"],
    "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}": ["get"],
    "/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts": ["get"],
    "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs": ["get"],
    "/repos/{owner}/{repo}/check-runs": ["post"],
    "/repos/{owner}/{repo}/check-runs/{check_run_id}": ["get", "patch"],
    "/repos/{owner}/{repo}/commits/{ref}/check-runs": ["get"],
    "/repos/{owner}/{repo}/compare/{basehead}": ["get"],
    "/repos/{owner}/{repo}/contents/{path}": ["delete", "get", "put"],
    "/repos/{owner}/{repo}/git/blobs": ["post"],
    "/repos/{owner}/{repo}/git/commits": ["post"],
    "/repos/{owner}/{repo}/git/commits/{commit_sha}": ["get"],
    "/repos/{owner}/{repo}/git/matching-refs/{ref}": ["get"],
    "/repos/{owner}/{repo}/git/ref/{ref}": ["get"],
    "/repos/{owner}/{repo}/git/refs": ["post"],
    "/repos/{owner}/{repo}/git/refs/{ref}": ["delete", "patch"],
    "/repos/{owner}/{repo}/git/trees": ["post"],
    "/repos/{owner}/{repo}/git/trees/{tree_sha}": ["get"],
    "/repos/{owner}/{repo}/issues/comments/{comment_id}": ["delete", "get", "patch"],
    "/repos/{owner}/{repo}/issues/{issue_number}/comments": ["get", "post"],
    "/repos/{owner}/{repo}/issues/{issue_number}/labels": ["post"],
    "/repos/{owner}/{repo}/pulls": ["get", "post"],
    "/repos/{owner}/{repo}/pulls/{pull_number}": ["get", "patch"],
    "/repos/{owner}/{repo}/releases": ["get"],
    "/repos/{owner}/{repo}/releases/assets/{asset_id}": ["get"],
    "/repos/{owner}/{repo}/releases/tags/{tag}": ["get"],
    "/repos/{owner}/{repo}/releases/{release_id}/assets": ["get"],
    "/user": ["get"],
}


def refs(node, out):
    """Collect every "$ref" under node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.add(v)
            else:
                refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def main(src):
    with open(src) as f:
        full = json.load(f)
    paths = {}
    for p, methods in PATHS.items():
        item = full["paths"].get(p)
        if item is None:
            sys.exit(f"subset.py: {p} is not in {src}")
        kept = {m: item[m] for m in methods if m in item}
        if "parameters" in item:
            kept["parameters"] = item["parameters"]
        paths[p] = kept
    components = {}
    todo = set()
    refs(paths, todo)
    seen = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref.lstrip("#/").split("/")
        if parts[0] != "components" or len(parts) != 3:
            sys.exit(f"subset.py: unexpected $ref {ref}")
        node = full["components"][parts[1]][parts[2]]
        components.setdefault(parts[1], {})[parts[2]] = node
        refs(node, todo)
    info = dict(full["info"])
    info["title"] = full["info"]["title"] + " (toolkit subset)"
    out = {"openapi": full["openapi"], "info": info, "servers": full.get("servers", []),
           "paths": paths, "components": components}
    json.dump(out, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

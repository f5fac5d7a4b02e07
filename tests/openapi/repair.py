"""Bee's OpenAPI (v2.7.0) as Bee's handlers really answer, for the schemathesis run.

`bee-v2.7.0/` holds Bee's two yaml files unmodified. This script writes repaired copies to an
output folder: first the yaml's own errors, which trip a fuzzer before it reaches any node, then
the places where Bee's Go handlers answer otherwise than the yaml says. A node that imitates
Bee must answer as Bee does (bee-js relies on it), so the check holds comb to Bee's handlers.

Every change is a function below whose docstring says what Bee does and where; `DIFFERENCES`
lists them in order. Nothing else is changed. Run:

    python3 repair.py <output folder>
"""

import copy
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "bee-v2.7.0"


def load(name):
    with open(SOURCE / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "head", "patch", "options"):
                yield path, method, operation


# --- the yaml's own errors -------------------------------------------------------------------


def header_schemas_that_ref_a_parameter(spec, common):
    """Header parameters whose `schema` is a `$ref` to a *parameter* (not a schema), e.g.
    `swarm-postage-batch-id` → `#/components/parameters/SwarmPostageBatchId`: the referenced
    parameter's own schema is put in its place."""
    params = common["components"]["parameters"]

    def fix(parameter, in_swarm_yaml):
        schema = parameter.get("schema", {})
        ref = schema.get("$ref", "")
        marker = "#/components/parameters/"
        if marker in ref:
            target = copy.deepcopy(params[ref.split(marker)[1]]["schema"])
            # A schema local to SwarmCommon.yaml is named through the file from Swarm.yaml.
            inner = target.get("$ref", "")
            if in_swarm_yaml and inner.startswith("#/"):
                target["$ref"] = "SwarmCommon.yaml" + inner
            parameter["schema"] = target

    for _, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if "$ref" not in parameter:
                fix(parameter, True)
    for parameter in params.values():
        fix(parameter, False)


def path_parameters_named_as_the_template(spec, common):
    """`HEAD /bytes/{reference}` declares its path parameter as `address`, `GET
    /chunks/{address}` as `reference`, and `POST /envelope/{address}` declares none: each is
    declared under the template's name (a 32-byte hex address)."""
    for path, method, operation in operations(spec):
        names = [p[1:-1] for p in path.split("/") if p.startswith("{")]
        declared = operation.setdefault("parameters", [])
        path_params = [p for p in declared if p.get("in") == "path"]
        for name in names:
            if any(p.get("name") == name for p in path_params):
                continue
            wrong = [p for p in path_params if p.get("name") not in names]
            if wrong:
                wrong[0]["name"] = name
            else:
                declared.append(
                    {
                        "in": "path",
                        "name": name,
                        "required": True,
                        "schema": {
                            "$ref": "SwarmCommon.yaml#/components/schemas/SwarmAddress"
                        },
                    }
                )


# --- where Bee's handlers answer otherwise than the yaml --------------------------------------


def errors_are_application_json(spec, common):
    """Bee's `jsonhttp` writes every error as `application/json; charset=utf-8` with `{code,
    message}`; the yaml says `application/problem+json`."""
    for response in common["components"]["responses"].values():
        content = response.get("content", {})
        if "application/problem+json" in content:
            content["application/json"] = content.pop("application/problem+json")


def schemas(common):
    return common["components"]["schemas"]


def nullable(schema):
    """`schema` or JSON null (OpenAPI 3.0: a `$ref` takes no siblings, so it goes in allOf)."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    return dict(schema, nullable=True)


def ethereum_addresses_with_0x(spec, common):
    """Bee writes Ethereum addresses as go-ethereum's `common.Address` marshals them:
    `0x`-prefixed, EIP-55 mixed case (`/addresses`, `/wallet`, `/chequebook/address`, cheques).
    The yaml's pattern has no `0x`; requests (`/feeds/{owner}`) take it without, so both are
    allowed."""
    schemas(common)["EthereumAddress"]["pattern"] = "^(0x)?[A-Fa-f0-9]{40}$"


def settlement_amounts_are_decimal_strings(spec, common):
    """Bee's `/settlements` and `/timesettlements` send `totalReceived`, `totalSent`,
    `received` and `sent` as `bigint.BigInt`, which marshals as a decimal string; the yaml says
    integer."""
    s = schemas(common)
    for name, fields in (
        ("Settlements", ("totalReceived", "totalSent")),
        ("Settlement", ("received", "sent")),
    ):
        for field in fields:
            s[name]["properties"][field] = {"$ref": "#/components/schemas/BigInt"}


def cheques_are_null_when_there_is_none(spec, common):
    """Bee's `/chequebook/cheque[/{peer}]` sends `lastreceived` / `lastsent` as `null` where no
    cheque was received or sent (a nil `*chequebookLastChequePeerResponse`)."""
    properties = schemas(common)["ChequePeerResponse"]["properties"]
    for field in ("lastreceived", "lastsent"):
        properties[field] = nullable(properties[field])


def blocklist_is_an_object(spec, common):
    """Bee's `/blocklist` answers `{"peers": [...]}` (`blockListedPeersResponse`); the yaml
    describes the bare array."""
    s = schemas(common)
    s["BlockListedPeers"] = {
        "type": "object",
        "properties": {"peers": s["BlockListedPeers"]},
    }


def pin_check_is_a_json_stream(spec, common):
    """Bee's `GET /pins/check` streams one JSON object per pin, each on its own line, under
    `application/json` (`json.NewEncoder` per pin); no pins is an empty body. The body as a
    whole is no JSON document, so the schema is dropped and only status and type checked."""
    content = spec["paths"]["/pins/check"]["get"]["responses"]["200"]["content"]
    content["application/json"].pop("schema", None)


def loggers_null_when_nothing_matches(spec, common):
    """Bee's `/loggers/{exp}` sends `"loggers": null` when no logger matches (an empty Go
    slice)."""
    properties = schemas(common)["LoggerResponse"]["properties"]
    properties["loggers"] = nullable(properties["loggers"])


# --- where comb answers otherwise than Bee, by choice -----------------------------------------


def rchash_without_a_full_sample(spec, common):
    """comb's choice: with fewer than the 8 chunks of a sample in the reserve, `/rchash`
    answers 200 with the hash of what there is, `"proofs": null` and the sample's size in
    `items`; Bee answers 500 "failed making sample with proofs" (no proofs without 8 items).
    An empty reserve is a normal state, not a server failure."""
    properties = schemas(common)["ApiRCHashResponse"]["properties"]
    properties["proofs"] = nullable(properties["proofs"])


DIFFERENCES = [
    header_schemas_that_ref_a_parameter,
    path_parameters_named_as_the_template,
    errors_are_application_json,
    ethereum_addresses_with_0x,
    settlement_amounts_are_decimal_strings,
    cheques_are_null_when_there_is_none,
    blocklist_is_an_object,
    pin_check_is_a_json_stream,
    loggers_null_when_nothing_matches,
    rchash_without_a_full_sample,
]


def main():
    # The README's table lists every change; a change it does not name is undocumented.
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    missing = [c.__name__ for c in DIFFERENCES if f"`{c.__name__}`" not in readme]
    if missing:
        sys.exit(f"tests/openapi/README.md does not list: {', '.join(missing)}")
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    spec, common = load("Swarm.yaml"), load("SwarmCommon.yaml")
    for change in DIFFERENCES:
        change(spec, common)
    for name, doc in (("Swarm.yaml", spec), ("SwarmCommon.yaml", common)):
        with open(out / name, "w", encoding="utf-8") as f:
            yaml.safe_dump(doc, f, sort_keys=False)


if __name__ == "__main__":
    main()

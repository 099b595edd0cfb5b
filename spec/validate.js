// Validates JSON documents against the schemas the interop specs use:
//   node spec/validate.js fhir|cds-hooks FILE
// FILE holds one JSON document a line.  Prints "ok N" or "invalid N: why"
// for each line, then "N valid, N invalid"; exits 1 when any is invalid.
// The modules come from build/node (make node-deps), never from the network.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const modules = path.join(root, "build", "node", "node_modules");
const need = (name) => require(path.join(modules, name));

function fhirValidator() {
  // the HL7 FHIR R4 JSON schema: draft-06, but it names itself with the
  // draft-04 "id", which Ajv 8 refuses, so that one key is renamed; its
  // "discriminator" (OpenAPI) is no JSON Schema keyword, hence strict: false
  const Ajv = need("ajv").default;
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(need("ajv/dist/refs/json-schema-draft-06.json"));
  const schema = JSON.parse(fs.readFileSync(path.join(modules,
    "@asymmetrik", "fhir-json-schema-validator", "fhir.schema.json"), "utf8"));
  schema.$id = schema.id;
  delete schema.id;
  ajv.addSchema(schema);
  // each document against its own resource type's definition, for errors
  // that name the element at fault rather than 146 failed alternatives
  const byType = {};
  const validate = (doc) => {
    const type = doc && typeof doc.resourceType === "string" &&
      Object.prototype.hasOwnProperty.call(schema.definitions, doc.resourceType) &&
      schema.discriminator.mapping[doc.resourceType] ? doc.resourceType : null;
    if (!type) {
      validate.errors = [{ instancePath: "/resourceType", message: "is not a FHIR R4 resource type" }];
      return false;
    }
    byType[type] = byType[type] || ajv.getSchema(`${schema.$id}#/definitions/${type}`);
    const ok = byType[type](doc);
    validate.errors = byType[type].errors;
    return ok;
  };
  return validate;
}

function cdsValidator() {
  const Ajv = need("ajv").default;
  const addFormats = need("ajv-formats").default;
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "schemas",
    "cds-hooks-response.schema.json"), "utf8"));
  return ajv.compile(schema);
}

function main(argv) {
  const kind = argv[0];
  const file = argv[1];
  if (!file || (kind !== "fhir" && kind !== "cds-hooks")) {
    process.stderr.write("usage: node spec/validate.js fhir|cds-hooks FILE\n");
    return 2;
  }
  const validate = kind === "fhir" ? fhirValidator() : cdsValidator();
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "");
  let valid = 0;
  let invalid = 0;
  lines.forEach((line, i) => {
    let doc;
    try {
      doc = JSON.parse(line);
    } catch (e) {
      invalid++;
      process.stdout.write(`invalid ${i + 1}: not JSON: ${e.message}\n`);
      return;
    }
    if (validate(doc)) {
      valid++;
      process.stdout.write(`ok ${i + 1}\n`);
    } else {
      invalid++;
      const why = validate.errors.slice(0, 5).map((e) =>
        `${e.instancePath || "/"} ${e.message}`).join("; ");
      process.stdout.write(`invalid ${i + 1}: ${why}\n`);
    }
  });
  process.stdout.write(`${valid} valid, ${invalid} invalid\n`);
  return invalid === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));

//! deploy/*.yaml (the SpinKube manifests), checked the way a cluster would check them, without a
//! cluster:
//!
//! - every `SpinApp` against the `openAPIV3Schema` of spin-operator's CRD (vendored:
//!   deploy/schemas/core.spinkube.dev_spinapps.yaml, spin-operator v0.6.1), its `metadata`
//!   against Kubernetes' `ObjectMeta`;
//! - every `HorizontalPodAutoscaler` against Kubernetes' `autoscaling/v2` schema (vendored:
//!   deploy/schemas/autoscaling_v2_horizontalpodautoscaler.json, Kubernetes 1.35);
//! - an HPA targets the Deployment the operator really creates for a SpinApp of the same file,
//!   that SpinApp leaves its replica count to the HPA, and it sets the resource requests the
//!   HPA's utilisation targets are percentages of.
//!
//! Unknown fields are errors: Kubernetes would drop them without a word (the CRD's structural
//! pruning) or, for built-in kinds, only `kubectl --validate=strict` would say so. Nothing here
//! runs the operator, the shim or an HPA: runtime behaviour is not verified.
//!
//! What the operator does, read in its source at tag v0.6.1 (github.com/spinframework/spin-operator):
//!
//! - internal/controller/spinapp_controller.go:133: a Deployment only when the SpinAppExecutor
//!   has `createDeployment: true` (the `containerd-shim-spin` executor of
//!   config/samples/spin-shim-executor.yaml does).
//! - internal/controller/spinapp_controller.go:388 `constructDeployment`: `Kind: "Deployment"`,
//!   `APIVersion: "apps/v1"` (:497-498), `Name: app.Name` in the SpinApp's namespace (:501), so
//!   the Deployment is named like the SpinApp. Its labels are `core.spinkube.dev/app-name: <name>`
//!   (`constructAppLabels`, internal/controller/service.go:55; pkg/spinapp/spinapp.go:24), its
//!   selector that label plus `core.spinkube.dev/app.<name>.status: ready` (:414, :509).
//! - :393-397: with `spec.enableAutoscaling: true` the Deployment's `replicas` is nil (left to
//!   an external autoscaler), otherwise `spec.replicas`; :507 sets it.
//! - :427-430, :465/:487: `spec.resources` becomes the resources of the pod's one container,
//!   which is named like the SpinApp (:456, :477). An HPA's `Utilization` target is a percentage
//!   of that container's request.
//! - internal/webhook/spinapp_validating.go:113-119 `validateReplicas`: `replicas` must be unset
//!   (0) when `enableAutoscaling` is true, and at least 1 otherwise
//!   (api/v1alpha1/spinapp_types.go:47, :55: both `omitempty`, no default for `replicas`).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Map, Value};

const CRD_FILE: &str = "deploy/schemas/core.spinkube.dev_spinapps.yaml";
const K8S_FILE: &str = "deploy/schemas/autoscaling_v2_horizontalpodautoscaler.json";
const HPA_DEF: &str = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler";
const OBJECT_META_DEF: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const REF_PREFIX: &str = "#/components/schemas/";

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every document of a YAML stream, empty ones left out.
fn yaml_documents(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------------
// The validator: the subset of OpenAPI v3 (and its Kubernetes extensions) the two schemas use.

/// Schema keywords that say nothing about validity (or that a cluster applies after validation).
const IGNORED_KEYWORDS: &[&str] = &[
    "description",
    "default",
    "format",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-patch-merge-key",
    "x-kubernetes-patch-strategy",
    "x-kubernetes-group-version-kind",
];

/// Schema keywords the validator checks. Any other keyword (say `x-kubernetes-validations` in a
/// newer CRD) is an error, so that a schema update cannot make checks pass by being skipped.
const CHECKED_KEYWORDS: &[&str] = &[
    "$ref",
    "allOf",
    "anyOf",
    "oneOf",
    "type",
    "x-kubernetes-int-or-string",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "x-kubernetes-preserve-unknown-fields",
    "items",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
];

struct Validator<'a> {
    /// The targets of `$ref: "#/components/schemas/NAME"`.
    definitions: &'a Map<String, Value>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl Validator<'_> {
    fn errors(&self, schema: &Value, value: &Value, path: &str) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, path, &mut errors);
        errors
    }

    fn check(&self, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
        let here = if path.is_empty() { "(document)" } else { path };
        let Some(s) = schema.as_object() else {
            errors.push(format!("{here}: the schema is not an object"));
            return;
        };
        for keyword in s.keys() {
            if !IGNORED_KEYWORDS.contains(&keyword.as_str())
                && !CHECKED_KEYWORDS.contains(&keyword.as_str())
            {
                errors.push(format!(
                    "{here}: the validator does not know the schema keyword `{keyword}`"
                ));
            }
        }

        if let Some(reference) = s.get("$ref") {
            let target = reference
                .as_str()
                .and_then(|r| r.strip_prefix(REF_PREFIX))
                .and_then(|name| self.definitions.get(name));
            match target {
                Some(target) => self.check(target, value, path, errors),
                None => errors.push(format!("{here}: unresolved $ref {reference}")),
            }
        }
        for sub in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(sub, value, path, errors);
        }
        for (keyword, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            if let Some(alternatives) = s.get(keyword).and_then(Value::as_array) {
                let matching = alternatives
                    .iter()
                    .filter(|alt| self.errors(alt, value, path).is_empty())
                    .count();
                if matching == 0 || (exactly_one && matching > 1) {
                    errors.push(format!(
                        "{here}: {} matches {matching} of the {keyword} alternatives {}",
                        describe(value),
                        Value::Array(alternatives.clone())
                    ));
                }
            }
        }

        if s.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            if !(value.is_string() || is_integer(value)) {
                errors.push(format!(
                    "{here}: expected an integer or a string, got {}",
                    describe(value)
                ));
                return;
            }
        } else if let Some(ty) = s.get("type") {
            let ok = match ty.as_str() {
                Some("object") => value.is_object(),
                Some("array") => value.is_array(),
                Some("string") => value.is_string(),
                Some("boolean") => value.is_boolean(),
                Some("integer") => is_integer(value),
                Some("number") => value.is_number(),
                _ => {
                    errors.push(format!("{here}: the validator does not know the type {ty}"));
                    return;
                }
            };
            if !ok {
                let ty = ty.as_str().unwrap_or_default();
                errors.push(format!("{here}: expected {ty}, got {}", describe(value)));
                return;
            }
        }

        if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                errors.push(format!(
                    "{here}: {} is not one of {}",
                    describe(value),
                    Value::Array(allowed.clone())
                ));
            }
        }
        if let Some(text) = value.as_str() {
            let length = text.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
                if length < min {
                    errors.push(format!("{here}: shorter than {min} characters"));
                }
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                if length > max {
                    errors.push(format!("{here}: longer than {max} characters"));
                }
            }
            if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
                match regex_lite::Regex::new(pattern) {
                    Ok(re) if re.is_match(text) => {}
                    Ok(_) => errors.push(format!("{here}: {text:?} does not match {pattern}")),
                    Err(e) => errors.push(format!("{here}: pattern {pattern}: {e}")),
                }
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                if n < min {
                    errors.push(format!("{here}: {n} is below the minimum {min}"));
                }
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                if n > max {
                    errors.push(format!("{here}: {n} is above the maximum {max}"));
                }
            }
        }
        if let Some(items) = value.as_array() {
            let count = items.len() as u64;
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if count < min {
                    errors.push(format!("{here}: fewer than {min} items"));
                }
            }
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                if count > max {
                    errors.push(format!("{here}: more than {max} items"));
                }
            }
            if let Some(item_schema) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.check(item_schema, item, &format!("{path}[{i}]"), errors);
                }
            }
        }
        if let Some(object) = value.as_object() {
            self.check_object(s, object, path, errors);
        }
    }

    fn check_object(
        &self,
        s: &Map<String, Value>,
        object: &Map<String, Value>,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let here = if path.is_empty() { "(document)" } else { path };
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str() {
                if !object.contains_key(name) {
                    errors.push(format!("{here}: missing required field `{name}`"));
                }
            }
        }
        let properties = s.get("properties").and_then(Value::as_object);
        let preserve_unknown =
            s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
        for (key, field) in object {
            let field_path = join(path, key);
            if let Some(field_schema) = properties.and_then(|p| p.get(key)) {
                self.check(field_schema, field, &field_path, errors);
                continue;
            }
            match s.get("additionalProperties") {
                Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => errors.push(format!(
                    "{field_path}: unknown field (the schema allows no other fields)"
                )),
                Some(map_values) => self.check(map_values, field, &field_path, errors),
                None if properties.is_some() && !preserve_unknown => {
                    let known: Vec<&str> = properties.unwrap().keys().map(String::as_str).collect();
                    errors.push(format!(
                        "{field_path}: unknown field (Kubernetes would drop it; known here: {})",
                        known.join(", ")
                    ));
                }
                // A free-form object (no `properties`, no `additionalProperties`): FieldsV1, or
                // a CRD's `metadata`, which is checked against ObjectMeta separately.
                None => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The vendored schemas and the documents of deploy/.

struct Schemas {
    crd: Value,
    /// components.schemas of the Kubernetes OpenAPI file.
    k8s: Map<String, Value>,
}

fn load_schemas() -> Schemas {
    let crd_text = std::fs::read_to_string(workspace().join(CRD_FILE)).unwrap();
    let mut crds = yaml_documents(&crd_text).unwrap();
    assert_eq!(crds.len(), 1, "{CRD_FILE}: one document");
    let crd = crds.remove(0);
    assert_eq!(crd["kind"], "CustomResourceDefinition", "{CRD_FILE}");
    assert_eq!(crd["spec"]["names"]["kind"], "SpinApp", "{CRD_FILE}");

    let k8s_text = std::fs::read_to_string(workspace().join(K8S_FILE)).unwrap();
    let k8s: Value = serde_json::from_str(&k8s_text).unwrap();
    let k8s = k8s["components"]["schemas"].as_object().cloned().unwrap();
    assert!(
        k8s.contains_key(HPA_DEF) && k8s.contains_key(OBJECT_META_DEF),
        "{K8S_FILE}"
    );
    Schemas { crd, k8s }
}

/// deploy/*.yaml, by file name, each with its documents.
fn deploy_files() -> Vec<(String, Vec<Value>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(workspace().join("deploy")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = format!("deploy/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(&path).unwrap();
        let docs = yaml_documents(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        files.push((name, docs));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn kind(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or("")
}

fn name(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or("")
}

fn namespace(doc: &Value) -> &str {
    doc["metadata"]["namespace"].as_str().unwrap_or("")
}

fn ref_to(definition: &str) -> Value {
    json!({ "$ref": format!("{REF_PREFIX}{definition}") })
}

/// The schema errors of one document.
fn schema_errors(schemas: &Schemas, doc: &Value) -> Vec<String> {
    let validator = Validator {
        definitions: &schemas.k8s,
    };
    let api_version = doc["apiVersion"].as_str().unwrap_or("");
    let mut errors = Vec::new();
    match kind(doc) {
        "SpinApp" => {
            let spec = &schemas.crd["spec"];
            let version = api_version
                .strip_prefix(spec["group"].as_str().unwrap())
                .and_then(|v| v.strip_prefix('/'));
            let schema =
                spec["versions"].as_array().unwrap().iter().find(|v| {
                    Some(v["name"].as_str().unwrap_or("")) == version && v["served"] == true
                });
            match schema {
                Some(v) => {
                    validator.check(&v["schema"]["openAPIV3Schema"], doc, "", &mut errors);
                }
                None => errors.push(format!(
                    "apiVersion {api_version:?}: the CRD serves {}/{}",
                    spec["group"].as_str().unwrap(),
                    spec["versions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v["name"].to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
            // The CRD's schema leaves `metadata` to the API server: Kubernetes' ObjectMeta.
            if let Some(metadata) = doc.get("metadata") {
                validator.check(&ref_to(OBJECT_META_DEF), metadata, "metadata", &mut errors);
            }
        }
        "HorizontalPodAutoscaler" if api_version == "autoscaling/v2" => {
            validator.check(&ref_to(HPA_DEF), doc, "", &mut errors);
        }
        other => errors.push(format!(
            "no vendored schema for apiVersion {api_version:?} kind {other:?} (deploy/schemas/)"
        )),
    }
    if name(doc).is_empty() {
        errors.push("metadata.name: missing (kubectl apply needs a name)".into());
    }
    errors
}

/// A resource quantity ("100m", "64Mi", "1", 2, "1e3") as a number, if it is one.
fn quantity(value: &Value) -> Option<f64> {
    if let Some(n) = value.as_f64() {
        return Some(n);
    }
    let text = value.as_str()?;
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent => 10f64.powi(exponent.strip_prefix(['e', 'E'])?.parse().ok()?),
    };
    Some(number * factor)
}

/// What the HPA and the operator make of the SpinApps and HPAs of one file.
fn relation_errors(docs: &[Value]) -> Vec<String> {
    let mut errors = Vec::new();
    let apps: Vec<&Value> = docs.iter().filter(|d| kind(d) == "SpinApp").collect();
    let hpas: Vec<&Value> = docs
        .iter()
        .filter(|d| kind(d) == "HorizontalPodAutoscaler")
        .collect();
    let mut scaled = BTreeSet::new();

    for hpa in &hpas {
        let at = format!("HorizontalPodAutoscaler {}", name(hpa));
        let spec = &hpa["spec"];
        let target = &spec["scaleTargetRef"];
        if target["apiVersion"] != "apps/v1" || target["kind"] != "Deployment" {
            errors.push(format!(
                "{at}: scaleTargetRef is {}/{}; the operator creates an apps/v1 Deployment \
                 (spinapp_controller.go:497-498)",
                target["apiVersion"], target["kind"]
            ));
        }
        let target_name = target["name"].as_str().unwrap_or("");
        let app = apps
            .iter()
            .find(|a| name(a) == target_name && namespace(a) == namespace(hpa));
        let Some(app) = app else {
            let names: Vec<&str> = apps.iter().map(|a| name(a)).collect();
            errors.push(format!(
                "{at}: scaleTargetRef.name {target_name:?} is no Deployment the operator creates: \
                 it names each after its SpinApp, in the SpinApp's namespace \
                 (spinapp_controller.go:501), and this file's SpinApps are {names:?}"
            ));
            continue;
        };
        scaled.insert((namespace(app), name(app)));

        let min = spec.get("minReplicas").map_or(Some(1), Value::as_i64);
        let max = spec["maxReplicas"].as_i64();
        match (min, max) {
            (Some(min), Some(max)) if min >= 1 && max >= min => {}
            _ => errors.push(format!(
                "{at}: minReplicas {min:?} and maxReplicas {max:?} need 1 <= min <= max"
            )),
        }

        // No `metrics`: the HPA's default, 80 % average CPU utilisation.
        let default_metrics = json!([{ "type": "Resource", "resource": {
            "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 80 } } }]);
        let metrics = spec.get("metrics").unwrap_or(&default_metrics);
        for (i, metric) in metrics.as_array().into_iter().flatten().enumerate() {
            let at = format!("{at}: spec.metrics[{i}]");
            let ty = metric["type"].as_str().unwrap_or("");
            let source_field = match ty {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                "External" => "external",
                _ => {
                    errors.push(format!("{at}: unknown metric type {ty:?}"));
                    continue;
                }
            };
            let set: Vec<&String> = metric
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys())
                .filter(|k| *k != "type")
                .collect();
            if set != [source_field] {
                errors.push(format!(
                    "{at}: type {ty} needs exactly `{source_field}`, has {set:?}"
                ));
                continue;
            }
            let source = &metric[source_field];
            let metric_target = &source["target"];
            let value_field = match metric_target["type"].as_str() {
                Some("Utilization") => "averageUtilization",
                Some("AverageValue") => "averageValue",
                Some("Value") => "value",
                other => {
                    errors.push(format!("{at}: target.type {other:?}"));
                    continue;
                }
            };
            if metric_target.get(value_field).is_none() {
                errors.push(format!("{at}: target.type needs target.{value_field}"));
            }
            if let Some(u) = metric_target.get("averageUtilization") {
                if u.as_i64().is_none_or(|u| u < 1) {
                    errors.push(format!("{at}: averageUtilization {u} must be at least 1"));
                }
            }
            if !matches!(ty, "Resource" | "ContainerResource") {
                continue;
            }
            if ty == "ContainerResource" && source["container"] != name(app) {
                errors.push(format!(
                    "{at}: container {} is not the pod's container, which the operator names \
                     after the SpinApp, {:?} (spinapp_controller.go:456, :477)",
                    source["container"],
                    name(app)
                ));
            }
            let resource = source["name"].as_str().unwrap_or("");
            if value_field == "averageUtilization"
                && app["spec"]["resources"]["requests"].get(resource).is_none()
            {
                errors.push(format!(
                    "{at}: a {resource} Utilization target is a percentage of the pods' \
                     {resource} request, but SpinApp {} sets no spec.resources.requests.{resource} \
                     (the HPA would report FailedGetResourceMetric)",
                    name(app)
                ));
            }
        }
    }

    for app in &apps {
        let at = format!("SpinApp {}", name(app));
        let spec = &app["spec"];
        let autoscaling = spec["enableAutoscaling"] == true;
        let targeted = scaled.contains(&(namespace(app), name(app)));
        match (autoscaling, spec.get("replicas")) {
            (true, Some(r)) if r != 0 => errors.push(format!(
                "{at}: replicas {r} with enableAutoscaling: true; the operator's webhook refuses \
                 it (spinapp_validating.go:114-115), and the count belongs to the HPA"
            )),
            (false, r) if r.and_then(Value::as_i64).is_none_or(|r| r < 1) => errors.push(format!(
                "{at}: without enableAutoscaling, replicas must be at least 1 \
                 (spinapp_validating.go:117-118), is {r:?}"
            )),
            _ => {}
        }
        if targeted && !autoscaling {
            errors.push(format!(
                "{at}: an HPA scales its Deployment, but without enableAutoscaling: true the \
                 operator writes spec.replicas into the Deployment (spinapp_controller.go:393-397, \
                 :507) and the two fight over the count"
            ));
        }
        if autoscaling && !targeted {
            errors.push(format!(
                "{at}: enableAutoscaling: true, but no HorizontalPodAutoscaler in this file \
                 targets Deployment {:?}: nothing would scale it",
                name(app)
            ));
        }
        let resources = &spec["resources"];
        for (resource, request) in resources["requests"].as_object().into_iter().flatten() {
            let Some(limit) = resources["limits"].get(resource) else {
                continue;
            };
            if let (Some(r), Some(l)) = (quantity(request), quantity(limit)) {
                if r > l {
                    errors.push(format!(
                        "{at}: the {resource} request {request} exceeds its limit {limit}: the \
                         API server refuses such pods"
                    ));
                }
            }
        }
    }
    errors
}

/// Every error of every file, each prefixed with its file and document.
fn check(schemas: &Schemas, files: &[(String, Vec<Value>)]) -> Vec<String> {
    let mut errors = Vec::new();
    for (file, docs) in files {
        for (i, doc) in docs.iter().enumerate() {
            for e in schema_errors(schemas, doc) {
                errors.push(format!(
                    "{file} #{} ({} {}): {e}",
                    i + 1,
                    kind(doc),
                    name(doc)
                ));
            }
        }
        for e in relation_errors(docs) {
            errors.push(format!("{file}: {e}"));
        }
    }
    errors
}

// ---------------------------------------------------------------------------------------------

#[test]
fn deploy_manifests_match_the_vendored_schemas_and_the_operator() {
    let schemas = load_schemas();
    let files = deploy_files();
    let errors = check(&schemas, &files);
    assert!(
        errors.is_empty(),
        "deploy/*.yaml:\n  {}",
        errors.join("\n  ")
    );

    let all: Vec<&Value> = files.iter().flat_map(|(_, docs)| docs).collect();
    for (file, docs) in &files {
        let kinds: Vec<String> = docs
            .iter()
            .map(|d| format!("{} {}", kind(d), name(d)))
            .collect();
        println!("{file}: valid: {}", kinds.join(", "));
    }
    // Not vacuous: both kinds were there to check.
    assert!(
        all.iter().any(|d| kind(d) == "SpinApp"),
        "no SpinApp in deploy/*.yaml"
    );
    assert!(
        all.iter().any(|d| kind(d) == "HorizontalPodAutoscaler"),
        "no HorizontalPodAutoscaler in deploy/*.yaml"
    );
}

enum Edit {
    Set(&'static str, Value),
    Remove(&'static str),
}

struct Mutation {
    what: &'static str,
    file: &'static str,
    kind: &'static str,
    edit: Edit,
    /// A piece of the error it must cause.
    expect: &'static str,
}

fn apply(doc: &mut Value, edit: &Edit) {
    let pointer = match edit {
        Edit::Set(p, _) | Edit::Remove(p) => *p,
    };
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    let parent = parent
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer}: not in an object"));
    match edit {
        Edit::Set(_, value) => {
            parent.insert(key.to_string(), value.clone());
        }
        Edit::Remove(_) => {
            parent
                .remove(key)
                .unwrap_or_else(|| panic!("{pointer}: not there to remove"));
        }
    }
}

#[test]
fn mutated_manifests_fail() {
    use Edit::{Remove, Set};
    const AUTOSCALED: &str = "deploy/spinapp-autoscaled.yaml";
    const FIXED: &str = "deploy/spinapp.yaml";
    let mutations = [
        Mutation {
            what: "unknown field (a typo) in a SpinApp",
            file: AUTOSCALED,
            kind: "SpinApp",
            edit: Set("/spec/enableAutoScaling", json!(true)),
            expect: "spec.enableAutoScaling: unknown field",
        },
        Mutation {
            what: "unknown field (autoscaling/v2beta1's spelling) in an HPA",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set(
                "/spec/metrics/0/resource/targetAverageUtilization",
                json!(60),
            ),
            expect: "spec.metrics[0].resource.targetAverageUtilization: unknown field",
        },
        Mutation {
            what: "unknown field in scaleTargetRef",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set("/spec/scaleTargetRef/namespace", json!("default")),
            expect: "spec.scaleTargetRef.namespace: unknown field",
        },
        Mutation {
            what: "unknown field in metadata (checked against ObjectMeta)",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/metadata/label", json!({ "app": "x" })),
            expect: "metadata.label: unknown field",
        },
        Mutation {
            what: "wrong type: replicas as a string",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/spec/replicas", json!("3")),
            expect: "spec.replicas: expected integer",
        },
        Mutation {
            what: "wrong type: a label value that is a number",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/metadata/labels", json!({ "tier": 1 })),
            expect: "metadata.labels.tier: expected string",
        },
        Mutation {
            what: "wrong type: maxReplicas as a string",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set("/spec/maxReplicas", json!("10")),
            expect: "spec.maxReplicas: expected integer",
        },
        Mutation {
            what: "wrong type: null",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/spec/executor", Value::Null),
            expect: "spec.executor: expected string, got null",
        },
        Mutation {
            what: "not a quantity",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/spec/resources/limits/memory", json!("256MB")),
            expect: "spec.resources.limits.memory: \"256MB\" does not match",
        },
        Mutation {
            what: "missing required: SpinApp image",
            file: FIXED,
            kind: "SpinApp",
            edit: Remove("/spec/image"),
            expect: "spec: missing required field `image`",
        },
        Mutation {
            what: "missing required: HPA maxReplicas",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Remove("/spec/maxReplicas"),
            expect: "spec: missing required field `maxReplicas`",
        },
        Mutation {
            what: "missing required: scaleTargetRef kind",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Remove("/spec/scaleTargetRef/kind"),
            expect: "spec.scaleTargetRef: missing required field `kind`",
        },
        Mutation {
            what: "wrong scaleTargetRef name",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set(
                "/spec/scaleTargetRef/name",
                json!("wasi-fileserver-deployment"),
            ),
            expect: "scaleTargetRef.name \"wasi-fileserver-deployment\" is no Deployment",
        },
        Mutation {
            what: "scaleTargetRef pointing at the SpinApp itself",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set("/spec/scaleTargetRef/kind", json!("SpinApp")),
            expect: "the operator creates an apps/v1 Deployment",
        },
        Mutation {
            what: "HPA in another namespace than its SpinApp",
            file: AUTOSCALED,
            kind: "HorizontalPodAutoscaler",
            edit: Set("/metadata/namespace", json!("other")),
            expect: "is no Deployment the operator creates",
        },
        Mutation {
            what: "replicas fixed next to the HPA",
            file: AUTOSCALED,
            kind: "SpinApp",
            edit: Set("/spec/replicas", json!(3)),
            expect: "replicas 3 with enableAutoscaling: true",
        },
        Mutation {
            what: "HPA on a SpinApp without enableAutoscaling",
            file: AUTOSCALED,
            kind: "SpinApp",
            edit: Remove("/spec/enableAutoscaling"),
            expect: "the two fight over the count",
        },
        Mutation {
            what: "no CPU request for a CPU utilisation target",
            file: AUTOSCALED,
            kind: "SpinApp",
            edit: Remove("/spec/resources/requests/cpu"),
            expect: "sets no spec.resources.requests.cpu",
        },
        Mutation {
            what: "a request above its limit",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/spec/resources/requests/cpu", json!("1500m")),
            expect: "the cpu request \"1500m\" exceeds its limit \"1\"",
        },
        Mutation {
            what: "fixed replicas below 1",
            file: FIXED,
            kind: "SpinApp",
            edit: Remove("/spec/replicas"),
            expect: "replicas must be at least 1",
        },
        Mutation {
            what: "an apiVersion the CRD does not serve",
            file: FIXED,
            kind: "SpinApp",
            edit: Set("/apiVersion", json!("core.spinkube.dev/v1")),
            expect: "apiVersion \"core.spinkube.dev/v1\": the CRD serves",
        },
    ];

    let schemas = load_schemas();
    let pristine = deploy_files();
    assert!(
        check(&schemas, &pristine).is_empty(),
        "the unmutated files must pass first"
    );
    for m in &mutations {
        let mut files = pristine.clone();
        let (_, docs) = files
            .iter_mut()
            .find(|(f, _)| f == m.file)
            .unwrap_or_else(|| panic!("{}: no such file", m.file));
        let doc = docs
            .iter_mut()
            .find(|d| kind(d) == m.kind)
            .unwrap_or_else(|| panic!("{}: no {}", m.file, m.kind));
        apply(doc, &m.edit);
        let errors = check(&schemas, &files);
        assert!(
            errors.iter().any(|e| e.contains(m.expect)),
            "{}: expected an error containing {:?}, got:\n  {}",
            m.what,
            m.expect,
            errors.join("\n  ")
        );
        println!("{}: caught: {}", m.what, errors.join(" | "));
    }
}

/// The keywords the deploy files happen not to exercise, on small schemas.
#[test]
fn validator_keywords() {
    let definitions = json!({
        "D": { "type": "object", "required": ["n"], "properties": { "n": { "type": "integer" } } }
    });
    let v = Validator {
        definitions: definitions.as_object().unwrap(),
    };
    let fails = |schema: Value, value: Value| !v.errors(&schema, &value, "x").is_empty();

    let e = json!({ "type": "string", "enum": ["a", "b"] });
    assert!(
        !fails(e.clone(), json!("a")) && fails(e, json!("c")),
        "enum"
    );

    let closed =
        json!({ "type": "object", "properties": { "a": {} }, "additionalProperties": false });
    assert!(!fails(closed.clone(), json!({ "a": 1 })) && fails(closed, json!({ "b": 1 })));
    let map = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    assert!(!fails(map.clone(), json!({ "k": "v" })) && fails(map, json!({ "k": 1 })));
    let listed = json!({ "type": "object", "properties": { "a": {} } });
    assert!(
        fails(listed, json!({ "b": 1 })),
        "unknown field where properties are listed"
    );
    let preserved = json!({ "type": "object", "properties": { "a": {} },
                            "x-kubernetes-preserve-unknown-fields": true });
    assert!(
        !fails(preserved, json!({ "b": 1 })),
        "x-kubernetes-preserve-unknown-fields"
    );

    let ios = json!({ "x-kubernetes-int-or-string": true });
    for ok in [json!(1), json!("50%")] {
        assert!(!fails(ios.clone(), ok), "int-or-string");
    }
    for bad in [json!(1.5), json!(true), Value::Null] {
        assert!(fails(ios.clone(), bad), "int-or-string");
    }

    let list = json!({ "type": "array", "items": { "type": "integer" } });
    assert_eq!(
        v.errors(&list, &json!([1, "2"]), "x"),
        ["x[1]: expected integer, got the string \"2\""]
    );
    assert!(
        !fails(json!({ "type": "number" }), json!(1.5))
            && fails(json!({ "type": "number" }), json!("1"))
    );
    assert!(
        fails(json!({ "type": "boolean" }), json!("true")),
        "a quoted boolean is a string"
    );

    let referenced = json!({ "allOf": [{ "$ref": "#/components/schemas/D" }], "default": {} });
    assert!(!fails(referenced.clone(), json!({ "n": 1 })));
    assert!(
        fails(referenced.clone(), json!({})),
        "required through $ref"
    );
    assert!(
        fails(referenced.clone(), json!({ "n": "1" })),
        "type through $ref"
    );
    assert!(
        fails(referenced, json!({ "n": 1, "m": 2 })),
        "unknown field through $ref"
    );
    assert!(
        fails(json!({ "$ref": "#/components/schemas/Missing" }), json!({})),
        "unresolved $ref"
    );

    let quantity_like = json!({ "oneOf": [{ "type": "string" }, { "type": "number" }] });
    assert!(!fails(quantity_like.clone(), json!("1Gi")) && fails(quantity_like, json!([])));

    let cel = json!({ "type": "string", "x-kubernetes-validations": [{ "rule": "self != ''" }] });
    assert!(
        fails(cel, json!("a")),
        "an unknown schema keyword is an error, not skipped"
    );

    assert_eq!(quantity(&json!("100m")), Some(0.1));
    assert_eq!(quantity(&json!("64Mi")), Some(64.0 * 1024.0 * 1024.0));
    assert_eq!(quantity(&json!("1e3")), Some(1000.0));
    assert_eq!(quantity(&json!(2)), Some(2.0));
    assert_eq!(quantity(&json!("64MB")), None);
}

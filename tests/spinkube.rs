//! deploy/*.yaml (the SpinKube manifests), checked the way a cluster would check them, without a
//! cluster:
//!
//! - every document against a schema this test writes out by hand (`spinapp_schema`,
//!   `hpa_schema`): for `SpinApp` from spin-operator v0.6.1's CRD, for `HorizontalPodAutoscaler`
//!   from Kubernetes 1.35's `autoscaling/v2` API, covering the fields the manifests use or
//!   plausibly would; nothing upstream is copied into the repository;
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
//!   the Deployment is named like the SpinApp.
//! - :393-397: with `spec.enableAutoscaling: true` the Deployment's `replicas` is nil (left to
//!   an external autoscaler), otherwise `spec.replicas`; :507 sets it.
//! - :427-430, :465/:487: `spec.resources` becomes the resources of the pod's one container,
//!   which is named like the SpinApp (:456, :477). An HPA's `Utilization` target is a percentage
//!   of the pods' requests.
//! - internal/webhook/spinapp_validating.go:113-119 `validateReplicas`: `replicas` must be unset
//!   (0) when `enableAutoscaling` is true, and at least 1 otherwise
//!   (api/v1alpha1/spinapp_types.go:47, :55: both `omitempty`, no default for `replicas`).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// The schemas. Written for this test from the upstream definitions named below: field names,
// types, required fields and bounds, no upstream text. Every object schema but `metadata` (see
// `object_meta`) lists all the fields upstream has at that level (the ones not worth describing
// as `UNDESCRIBED`), so a field not listed is unknown upstream too. Adding a field, or describing an `UNDESCRIBED` one, means
// reading it in the CRD or API of the version named here first.
//
// The vocabulary `validate` knows: `type` (a name or a list of names), `enum`, `properties`
// (closed: no other field), `required`, `additionalProperties` (a schema for every value of a
// map), `items`, `minItems`, `minimum`, `maximum`, and `format: "quantity"`.

/// A field upstream has but this schema does not describe: using it is an error until it is.
const UNDESCRIBED: Value = Value::Bool(false);
const INT32_MAX: i64 = i32::MAX as i64;

fn string() -> Value {
    json!({ "type": "string" })
}

fn boolean() -> Value {
    json!({ "type": "boolean" })
}

fn one_of(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

/// An int32 (`format: int32` upstream) within `min..=max`.
fn int32_in(min: i64, max: i64) -> Value {
    json!({ "type": "integer", "minimum": min, "maximum": max })
}

fn int32() -> Value {
    int32_in(i32::MIN.into(), INT32_MAX)
}

/// A resource quantity ("100m", "64Mi"). A CRD field takes an integer or a string
/// (`x-kubernetes-int-or-string`), a built-in API's `Quantity` a string or a number.
fn quantity(number: &str) -> Value {
    json!({ "type": [number, "string"], "format": "quantity" })
}

fn string_map() -> Value {
    json!({ "type": "object", "additionalProperties": string() })
}

fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

/// `metadata`: the fields of Kubernetes' ObjectMeta a manifest sets. The rest (uid,
/// resourceVersion, ownerReferences, finalizers, managedFields...) are for the API server and
/// controllers to write; they count as unknown here. `name` is required because `kubectl apply`
/// needs it (ObjectMeta itself requires nothing).
fn object_meta() -> Value {
    object(
        &["name"],
        json!({
            "name": string(), "namespace": string(),
            "labels": string_map(), "annotations": string_map(),
        }),
    )
}

/// spin-operator v0.6.1, config/crd/bases/core.spinkube.dev_spinapps.yaml: group
/// core.spinkube.dev, kind SpinApp, one version, v1alpha1 (served, stored).
fn spinapp_schema() -> Value {
    // spec.checks.liveness / .readiness: both the same object; the int32 fields have defaults
    // (3, 10, 10, 1, 1), no bounds; httpGet requires path, each header name and value.
    let probe = object(
        &[],
        json!({
            "httpGet": object(&["path"], json!({
                "path": string(),
                "httpHeaders": list(object(&["name", "value"],
                    json!({ "name": string(), "value": string() }))),
            })),
            "initialDelaySeconds": int32(), "timeoutSeconds": int32(), "periodSeconds": int32(),
            "successThreshold": int32(), "failureThreshold": int32(),
        }),
    );
    // spec.variables[].valueFrom.{configMapKeyRef,secretKeyRef}: key required.
    let key_ref = object(
        &["key"],
        json!({ "key": string(), "name": string(), "optional": boolean() }),
    );
    let variable = object(
        &["name"],
        json!({
            "name": string(), "value": string(),
            "valueFrom": object(&[], json!({
                "configMapKeyRef": key_ref, "secretKeyRef": key_ref,
                "fieldRef": object(&["fieldPath"],
                    json!({ "apiVersion": string(), "fieldPath": string() })),
                "resourceFieldRef": object(&["resource"], json!({
                    "containerName": string(), "resource": string(), "divisor": quantity("integer"),
                })),
            })),
        }),
    );
    // spec.resources.{limits,requests}: maps of int-or-string quantities.
    let quantities = json!({ "type": "object", "additionalProperties": quantity("integer") });
    // The CRD requires none of the top-level fields; a manifest to apply has all four (the
    // operator can do nothing without spec.image and spec.executor).
    manifest_object(
        "core.spinkube.dev/v1alpha1",
        "SpinApp",
        // spec requires executor and image, both strings (no enum: executor names a
        // SpinAppExecutor of the cluster).
        object(
            &["executor", "image"],
            json!({
                "image": string(),
                "executor": string(),
                // int32, no bound in the CRD (the webhook's rule is in relation_errors).
                "replicas": int32(),
                "enableAutoscaling": boolean(),
                "resources": object(&[], json!({ "limits": quantities, "requests": quantities })),
                "variables": list(variable),
                "checks": object(&[], json!({ "liveness": probe, "readiness": probe })),
                "components": { "type": "array", "items": string(), "minItems": 1 },
                "imagePullSecrets": list(object(&[], json!({ "name": string() }))),
                "serviceAccountName": string(),
                "deploymentAnnotations": string_map(),
                "podAnnotations": string_map(),
                "podLabels": string_map(),
                "serviceAnnotations": string_map(),
                "invocationLimits": string_map(),
                // The component's files come from the OCI artifact, and it uses no key-value
                // store, SQLite or LLM: core/v1 volumes, their mounts, and runtimeConfig are
                // not described.
                "volumes": UNDESCRIBED,
                "volumeMounts": UNDESCRIBED,
                "runtimeConfig": UNDESCRIBED,
            }),
        ),
    )
}

/// Kubernetes 1.35, autoscaling/v2 (api/openapi-spec/v3/apis__autoscaling__v2_openapi.json,
/// io.k8s.api.autoscaling.v2.*) for fields, types and required fields. The bounds and enums are
/// not in that OpenAPI file but in the API server's validation,
/// pkg/apis/autoscaling/validation/validation.go (the function named at each).
fn hpa_schema() -> Value {
    // MetricTarget: type required. validateMetricTarget: type Utilization, Value or
    // AverageValue, averageUtilization at least 1. For a Resource source (validateResourceSource)
    // one of averageUtilization and averageValue must be set, not both (relation_errors), so
    // type Value and `value` are not described.
    let target = object(
        &["type"],
        json!({
            "type": one_of(&["Utilization", "AverageValue"]),
            "averageUtilization": int32_in(1, INT32_MAX),
            "averageValue": quantity("number"),
            "value": UNDESCRIBED,
        }),
    );
    // MetricSpec: type required; validateMetricSpec accepts five source types, each with its
    // own field, and that field only (relation_errors). Only Resource is described.
    let metric = object(
        &["type"],
        json!({
            "type": one_of(&["Resource"]),
            "resource": object(&["name", "target"], json!({ "name": string(), "target": target })),
            "containerResource": UNDESCRIBED, "pods": UNDESCRIBED, "object": UNDESCRIBED,
            "external": UNDESCRIBED,
        }),
    );
    // HPAScalingRules. validateScalingRules: stabilizationWindowSeconds 0..=3600
    // (MaxStabilizationWindowSeconds), selectPolicy Max, Min or Disabled. validateScalingPolicy:
    // type Pods or Percent, value above 0, periodSeconds 1..=1800 (MaxPeriodSeconds).
    // (`policies` may be left out: the API server's defaults fill them in before validation.)
    let rules = object(
        &[],
        json!({
            "stabilizationWindowSeconds": int32_in(0, 3600),
            "selectPolicy": one_of(&["Max", "Min", "Disabled"]),
            "policies": list(object(&["type", "value", "periodSeconds"], json!({
                "type": one_of(&["Pods", "Percent"]),
                "value": int32_in(1, INT32_MAX),
                "periodSeconds": int32_in(1, 1800),
            }))),
            // New in 1.33, behind the HPAConfigurableTolerance feature gate.
            "tolerance": UNDESCRIBED,
        }),
    );
    manifest_object(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        // HorizontalPodAutoscalerSpec: scaleTargetRef and maxReplicas required.
        object(
            &["scaleTargetRef", "maxReplicas"],
            json!({
                // CrossVersionObjectReference: kind and name required.
                "scaleTargetRef": object(&["kind", "name"],
                    json!({ "apiVersion": string(), "kind": string(), "name": string() })),
                // validateHorizontalPodAutoscalerSpec: minReplicas at least 1 (0 only with the
                // HPAScaleToZero feature gate), maxReplicas at least 1 and at least minReplicas
                // (relation_errors).
                "minReplicas": int32_in(1, INT32_MAX),
                "maxReplicas": int32_in(1, INT32_MAX),
                "metrics": list(metric),
                "behavior": object(&[], json!({ "scaleUp": rules, "scaleDown": rules })),
            }),
        ),
    )
}

/// A manifest of `kind` in `api_version`: apiVersion, kind, metadata and
/// `spec`, all four required; `status` is written by the cluster, not by a
/// manifest.
fn manifest_object(api_version: &str, kind: &str, spec: Value) -> Value {
    object(
        &["apiVersion", "kind", "metadata", "spec"],
        json!({
            "apiVersion": one_of(&[api_version]),
            "kind": one_of(&[kind]),
            "metadata": object_meta(),
            "spec": spec,
            "status": UNDESCRIBED,
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// The validator, for the vocabulary above.

const KEYWORDS: &str =
    "type enum properties required additionalProperties items minItems minimum maximum format";

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        other => panic!("schema: unknown type {other:?}"),
    }
}

fn validate(schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let here = if path.is_empty() { "(document)" } else { path };
    let s = match schema {
        Value::Object(s) => s,
        Value::Bool(false) => {
            errors.push(format!(
                "{here}: a field upstream has but this test's schema does not describe: \
                 describe it (from the version named there) before using it"
            ));
            return;
        }
        other => panic!("schema at {here}: {other} is no schema"),
    };
    for keyword in s.keys().filter(|k| !KEYWORDS.split(' ').any(|w| w == *k)) {
        errors.push(format!("{here}: the validator does not know `{keyword}`"));
    }

    if let Some(ty) = s.get("type") {
        let types: Vec<&str> = match ty {
            Value::Array(types) => types.iter().filter_map(Value::as_str).collect(),
            ty => vec![ty.as_str().unwrap_or_default()],
        };
        if !types.iter().any(|t| has_type(value, t)) {
            errors.push(format!(
                "{here}: expected {}, got {value}",
                types.join(" or ")
            ));
            return;
        }
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            errors.push(format!(
                "{here}: {value} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
    }
    if s.get("format").is_some_and(|f| f == "quantity")
        && value.is_string()
        && quantity_value(value).is_none()
    {
        errors.push(format!("{here}: {value} is not a quantity"));
    }
    if let Some(n) = value.as_f64() {
        if s.get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|min| n < min)
        {
            errors.push(format!("{here}: {n} is below the minimum {}", s["minimum"]));
        }
        if s.get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|max| n > max)
        {
            errors.push(format!("{here}: {n} is above the maximum {}", s["maximum"]));
        }
    }

    if let Some(items) = value.as_array() {
        if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                errors.push(format!("{here}: fewer than {min} items"));
            }
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                validate(item_schema, item, &format!("{path}[{i}]"), errors);
            }
        }
    }

    let Some(object) = value.as_object() else {
        return;
    };
    for name in s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = name.as_str().unwrap_or_default();
        if !object.contains_key(name) {
            errors.push(format!("{here}: missing required field `{name}`"));
        }
    }
    let properties = s.get("properties").and_then(Value::as_object);
    for (key, field) in object {
        let field_path = join(path, key);
        match (
            properties.and_then(|p| p.get(key)),
            s.get("additionalProperties"),
        ) {
            (Some(field_schema), _) | (None, Some(field_schema)) => {
                validate(field_schema, field, &field_path, errors)
            }
            (None, None) => {
                let known: Vec<&str> = properties
                    .into_iter()
                    .flat_map(|p| p.keys().map(String::as_str))
                    .collect();
                errors.push(format!(
                    "{field_path}: unknown field (Kubernetes would drop it; known here: {})",
                    known.join(", ")
                ));
            }
        }
    }
}

/// A resource quantity ("100m", "64Mi", "1", 2, "1e3") as a number, if it is one.
fn quantity_value(value: &Value) -> Option<f64> {
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

// ---------------------------------------------------------------------------------------------
// The documents of deploy/ and the checks.

/// deploy/*.yaml, by file name, each with its documents (empty ones left out).
fn deploy_files() -> Vec<(String, Vec<Value>)> {
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(deploy).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = format!("deploy/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(&path).unwrap();
        let mut docs = Vec::new();
        for document in serde_yaml::Deserializer::from_str(&text) {
            let doc = Value::deserialize(document).unwrap_or_else(|e| panic!("{name}: {e}"));
            if !doc.is_null() {
                docs.push(doc);
            }
        }
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

fn schema_errors(doc: &Value) -> Vec<String> {
    let schema = match kind(doc) {
        "SpinApp" => spinapp_schema(),
        "HorizontalPodAutoscaler" => hpa_schema(),
        other => return vec![format!("kind {other:?}: this test has no schema for it")],
    };
    let mut errors = Vec::new();
    validate(&schema, doc, "", &mut errors);
    errors
}

/// What the HPA and the operator make of the SpinApps and HPAs of one file.
fn relation_errors(docs: &[Value]) -> Vec<String> {
    let mut errors = Vec::new();
    let apps: Vec<&Value> = docs.iter().filter(|d| kind(d) == "SpinApp").collect();
    let hpas = docs.iter().filter(|d| kind(d) == "HorizontalPodAutoscaler");
    let mut scaled = BTreeSet::new();

    for hpa in hpas {
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

        // validateHorizontalPodAutoscalerSpec: maxReplicas at least minReplicas (default 1).
        let min = spec.get("minReplicas").map_or(Some(1), Value::as_i64);
        if min
            .zip(spec["maxReplicas"].as_i64())
            .is_some_and(|(min, max)| max < min)
        {
            errors.push(format!(
                "{at}: maxReplicas {} is below minReplicas {}",
                spec["maxReplicas"], spec["minReplicas"]
            ));
        }

        // No `metrics`: the HPA's default, 80 % average CPU utilisation.
        let default_metrics = json!([{ "type": "Resource", "resource": {
            "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 80 } } }]);
        let metrics = spec.get("metrics").unwrap_or(&default_metrics);
        for (i, metric) in metrics.as_array().into_iter().flatten().enumerate() {
            let at = format!("{at}: spec.metrics[{i}]");
            if metric["type"] != "Resource" {
                continue; // the schema's error
            }
            // validateMetricSpec: the source the type names, and no other.
            let set: Vec<&String> = metric
                .as_object()
                .into_iter()
                .flat_map(|m| m.keys())
                .filter(|k| *k != "type")
                .collect();
            if set != ["resource"] {
                errors.push(format!(
                    "{at}: type Resource needs exactly `resource`, has {set:?}"
                ));
                continue;
            }
            let source = &metric["resource"];
            let metric_target = &source["target"];
            let value_field = match metric_target["type"].as_str() {
                Some("Utilization") => "averageUtilization",
                Some("AverageValue") => "averageValue",
                _ => continue, // the schema's error
            };
            if metric_target.get(value_field).is_none() {
                errors.push(format!(
                    "{at}: target.type {} needs target.{value_field}",
                    metric_target["type"]
                ));
            }
            // validateResourceSource.
            if ["averageUtilization", "averageValue"]
                .iter()
                .all(|f| metric_target.get(f).is_some())
            {
                errors.push(format!(
                    "{at}: target sets both averageUtilization and averageValue: the API server \
                     refuses that"
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
                 (spinapp_validating.go:117-118), is {}",
                r.map_or("unset".into(), Value::to_string)
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
            if let (Some(r), Some(l)) = (quantity_value(request), quantity_value(limit)) {
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
fn check(files: &[(String, Vec<Value>)]) -> Vec<String> {
    let mut errors = Vec::new();
    for (file, docs) in files {
        for (i, doc) in docs.iter().enumerate() {
            for e in schema_errors(doc) {
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
fn deploy_manifests_match_the_schemas_and_the_operator() {
    let files = deploy_files();
    let errors = check(&files);
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

/// Sets (`to`) or removes the field at a JSON pointer.
fn apply(doc: &mut Value, pointer: &str, to: Option<&Value>) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = doc
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{pointer}: no object to edit"));
    match to {
        Some(value) => {
            parent.insert(key.to_string(), value.clone());
        }
        None => {
            parent
                .remove(key)
                .unwrap_or_else(|| panic!("{pointer}: not there to remove"));
        }
    }
}

#[test]
fn mutated_manifests_fail() {
    // Each: what it is; the file and the document (by kind) altered; `set` a pointer `to` a
    // value, or `remove` it; a piece of the error it must cause.
    let mutations: Value = serde_json::from_str(include_str!("spinkube_mutations.json"))
        .expect("spinkube_mutations.json");

    let pristine = deploy_files();
    assert!(
        check(&pristine).is_empty(),
        "the unmutated files must pass first"
    );
    for m in mutations.as_array().unwrap() {
        // A misspelt key would otherwise read as null and still alter the file.
        let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        let known = ["what", "file", "kind", "set", "to", "remove", "expect"];
        let unknown: Vec<_> = keys.iter().filter(|key| !known.contains(key)).collect();
        assert!(unknown.is_empty(), "{m}: unknown keys {unknown:?}");
        assert_eq!(
            keys.contains(&"set"),
            keys.contains(&"to"),
            "{m}: set goes with to"
        );
        let (what, file, expect) = (
            m["what"].as_str().unwrap(),
            &m["file"],
            m["expect"].as_str().unwrap(),
        );
        let mut files = pristine.clone();
        let (_, docs) = files
            .iter_mut()
            .find(|(f, _)| f == file)
            .unwrap_or_else(|| panic!("{file}: no such file"));
        let doc = docs
            .iter_mut()
            .find(|d| kind(d) == m["kind"])
            .unwrap_or_else(|| panic!("{file}: no {}", m["kind"]));
        match (m.get("set"), m.get("remove")) {
            (Some(set), None) => apply(doc, set.as_str().unwrap(), Some(&m["to"])),
            (None, Some(remove)) => apply(doc, remove.as_str().unwrap(), None),
            _ => panic!("{what}: one of set and remove"),
        }
        let errors = check(&files);
        assert!(
            errors.iter().any(|e| e.contains(expect)),
            "{what}: expected an error containing {expect:?}, got:\n  {}",
            errors.join("\n  ")
        );
        println!("{what}: caught: {}", errors.join(" | "));
    }
}

/// The validator on small schemas, for what the deploy files do not exercise.
#[test]
fn validator() {
    let fails = |schema: Value, value: Value| {
        let mut errors = Vec::new();
        validate(&schema, &value, "x", &mut errors);
        !errors.is_empty()
    };
    let e = one_of(&["a", "b"]);
    assert!(
        !fails(e.clone(), json!("a")) && fails(e, json!("c")),
        "enum"
    );
    let closed = object(&["a"], json!({ "a": {} }));
    assert!(!fails(closed.clone(), json!({ "a": 1 })));
    assert!(
        fails(closed.clone(), json!({ "a": 1, "b": 1 })),
        "unknown field"
    );
    assert!(fails(closed, json!({})), "required");
    assert!(!fails(string_map(), json!({ "k": "v" })) && fails(string_map(), json!({ "k": 1 })));
    assert!(fails(UNDESCRIBED, json!(null)), "an undescribed field");
    let q = quantity("integer");
    for ok in [json!(1), json!("50m"), json!("1e3")] {
        assert!(!fails(q.clone(), ok), "quantity");
    }
    for bad in [json!(1.5), json!("64MB"), json!(true)] {
        assert!(fails(q.clone(), bad), "quantity");
    }
    assert!(
        !fails(quantity("number"), json!(0.5)),
        "a Quantity may be a number"
    );
    let l = json!({ "type": "array", "items": int32(), "minItems": 1 });
    assert!(!fails(l.clone(), json!([1, -1])));
    assert!(fails(l.clone(), json!([])) && fails(l.clone(), json!([1, "2"])));
    assert!(fails(l.clone(), json!([2_147_483_648u64])) && fails(l, json!([-2_147_483_649i64])));
    assert!(
        fails(boolean(), json!("true")),
        "a quoted boolean is a string"
    );
    assert!(
        fails(json!({ "requried": [] }), json!({})),
        "an unknown keyword"
    );

    assert_eq!(quantity_value(&json!("100m")), Some(0.1));
    assert_eq!(quantity_value(&json!("64Mi")), Some(64.0 * 1024.0 * 1024.0));
    assert_eq!(quantity_value(&json!("1e3")), Some(1000.0));
    assert_eq!(quantity_value(&json!(2)), Some(2.0));
    assert_eq!(quantity_value(&json!("64MB")), None);
}

#[test]
fn probes_ask_for_the_health_path_the_image_sets() {
    // The image is spin.toml's app: its component's HEALTH_PATH is what
    // the SpinApps' liveness and readiness probes must ask for.
    let manifest: toml::Table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spin.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let health = manifest["component"]["fileserver"]["environment"]["HEALTH_PATH"]
        .as_str()
        .expect("spin.toml sets HEALTH_PATH");
    let mut apps = 0;
    for (file, docs) in deploy_files() {
        for doc in docs.iter().filter(|doc| kind(doc) == "SpinApp") {
            apps += 1;
            for probe in ["liveness", "readiness"] {
                assert_eq!(
                    doc["spec"]["checks"][probe]["httpGet"]["path"].as_str(),
                    Some(health),
                    "{file}: {probe}"
                );
            }
        }
    }
    assert!(apps >= 2, "{apps} SpinApps");
}

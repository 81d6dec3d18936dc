//! A small evaluator for the CloudFormation intrinsics `template.yaml` uses: enough to render the
//! template for one stage as CloudFormation would resolve it (SAM's expansion passes these values
//! through unchanged). An intrinsic it does not know fails the test, so a template that starts
//! using one gets it added here instead of being checked wrongly.

use std::collections::HashMap;

use serde_json::{Map, Value};

pub const REGION: &str = "eu-west-1";
pub const ACCOUNT: &str = "123456789012";

/// One stack: the template and its resolved parameter values.
pub struct Stack {
    template: &'static Value,
    params: HashMap<String, String>,
}

/// A scalar as CloudFormation passes it on: parameters and mapping values become strings.
pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => panic!("expected a scalar, got {other}"),
    }
}

impl Stack {
    /// Each parameter's override, else its Default; one with neither fails, as `sam deploy` would.
    pub fn new(template: &'static Value, overrides: &HashMap<String, String>) -> Stack {
        let declared = template["Parameters"].as_object().expect("template has Parameters");
        for name in overrides.keys() {
            assert!(declared.contains_key(name), "override {name} is not a template parameter");
        }
        let mut params = HashMap::new();
        for (name, spec) in declared {
            let value = overrides
                .get(name)
                .cloned()
                .or_else(|| spec.get("Default").map(scalar))
                .unwrap_or_else(|| panic!("parameter {name} has neither a Default nor an override"));
            if let Some(allowed) = spec["AllowedValues"].as_array() {
                assert!(allowed.iter().any(|a| scalar(a) == value), "{name}={value} is not in {allowed:?}");
            }
            params.insert(name.clone(), value);
        }
        Stack { template, params }
    }

    /// A resource with every intrinsic resolved.
    pub fn resource(&self, id: &str) -> Value {
        let raw = &self.template["Resources"][id];
        assert!(raw.is_object(), "no resource {id}");
        self.eval(raw).unwrap_or(Value::Null)
    }

    /// Logical ids of the resources of one type.
    pub fn ids_of_type(&self, resource_type: &str) -> Vec<String> {
        let resources = self.template["Resources"].as_object().expect("Resources");
        resources.iter().filter(|(_, r)| r["Type"] == resource_type).map(|(id, _)| id.clone()).collect()
    }

    pub fn output(&self, name: &str) -> String {
        let value = self.eval(&self.template["Outputs"][name]["Value"]).unwrap_or_else(|| panic!("output {name}"));
        scalar(&value)
    }

    pub fn mapping(&self, map: &str, key: &str, field: &str) -> Value {
        let value = &self.template["Mappings"][map][key][field];
        assert!(!value.is_null(), "Mappings.{map}.{key}.{field} is missing");
        value.clone()
    }

    pub fn condition(&self, name: &str) -> bool {
        let expr = &self.template["Conditions"][name];
        assert!(!expr.is_null(), "no condition {name}");
        self.truth(expr)
    }

    fn truth(&self, expr: &Value) -> bool {
        let (function, arg) = single_key(expr).unwrap_or_else(|| panic!("not a condition: {expr}"));
        match (function, arg) {
            ("Fn::Equals", Value::Array(pair)) if pair.len() == 2 => {
                let side = |v: &Value| self.eval(v).map(|v| scalar(&v));
                side(&pair[0]) == side(&pair[1])
            }
            ("Fn::Not", Value::Array(one)) if one.len() == 1 => !self.truth(&one[0]),
            ("Condition", Value::String(name)) => self.condition(name),
            _ => panic!("unsupported condition function {expr}"),
        }
    }

    /// `None` is `AWS::NoValue`: the property (or list item) is left out.
    pub fn eval(&self, value: &Value) -> Option<Value> {
        if let Some((function, arg)) = single_key(value)
            && (function.starts_with("Fn::") || function == "Ref" || function == "Condition")
        {
            return self.intrinsic(function, arg);
        }
        match value {
            Value::Object(map) => {
                let rendered: Map<String, Value> =
                    map.iter().filter_map(|(k, v)| self.eval(v).map(|v| (k.clone(), v))).collect();
                Some(Value::Object(rendered))
            }
            Value::Array(items) => Some(Value::Array(items.iter().filter_map(|v| self.eval(v)).collect())),
            other => Some(other.clone()),
        }
    }

    fn intrinsic(&self, function: &str, arg: &Value) -> Option<Value> {
        let args = |n: usize| -> &Vec<Value> {
            match arg.as_array() {
                Some(list) if list.len() == n => list,
                _ => panic!("{function} takes {n} arguments: {arg}"),
            }
        };
        match function {
            "Ref" => self.reference(arg.as_str().unwrap_or_else(|| panic!("Ref to {arg}"))),
            "Fn::Sub" => Some(Value::String(self.sub(arg))),
            "Fn::If" => {
                let [condition, then, otherwise] = args(3).as_slice() else { unreachable!() };
                let name = condition.as_str().unwrap_or_else(|| panic!("Fn::If condition {condition}"));
                self.eval(if self.condition(name) { then } else { otherwise })
            }
            "Fn::FindInMap" => {
                let keys: Vec<String> = args(3).iter().map(|k| scalar(&self.eval(k).expect("map key"))).collect();
                Some(self.mapping(&keys[0], &keys[1], &keys[2]))
            }
            "Fn::GetAtt" => {
                let parts: Vec<String> = args(2).iter().map(scalar).collect();
                Some(Value::String(parts.join(".")))
            }
            "Fn::Equals" | "Fn::Not" | "Condition" => {
                Some(Value::Bool(self.truth(&Value::Object(Map::from_iter([(function.to_owned(), arg.clone())])))))
            }
            other => panic!("the test's evaluator does not know {other}; add it to tests/e2e/deploy/cfn.rs"),
        }
    }

    fn reference(&self, name: &str) -> Option<Value> {
        let text = |s: &str| Some(Value::String(s.to_owned()));
        if let Some(value) = self.params.get(name) {
            return text(value);
        }
        match name {
            "AWS::NoValue" => None,
            "AWS::Region" => text(REGION),
            "AWS::AccountId" => text(ACCOUNT),
            "AWS::Partition" => text("aws"),
            "AWS::URLSuffix" => text("amazonaws.com"),
            "AWS::StackName" => text(&format!("b2b-mcp-{}", self.params["Stage"])),
            id => {
                let resource = &self.template["Resources"][id];
                // Ref to a resource is its physical id: the name where the template sets one.
                if resource["Type"] == "AWS::SecretsManager::Secret" {
                    // A secret's Ref is its ARN: the name and Secrets Manager's random suffix.
                    let name = self.eval(&resource["Properties"]["Name"]);
                    let name = name.as_ref().and_then(Value::as_str).unwrap_or_else(|| panic!("{id} has a name"));
                    return text(&format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"));
                }
                let name_property = match resource["Type"].as_str() {
                    Some("AWS::Logs::LogGroup") => "LogGroupName",
                    Some("AWS::Serverless::Function") => "FunctionName",
                    Some("AWS::CloudWatch::Dashboard") => "DashboardName",
                    Some(_) => return text(&id.to_lowercase()),
                    None => panic!("Ref to {id}, which is neither a parameter nor a resource"),
                };
                self.eval(&resource["Properties"][name_property])
            }
        }
    }

    /// `Fn::Sub` with `${Param}`, `${AWS::Pseudo}`, `${Resource}`, `${Resource.Attr}`, `${!Literal}`
    /// and the optional variable map.
    fn sub(&self, arg: &Value) -> String {
        let (text, vars) = match arg {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(pair) if pair.len() == 2 => (
                pair[0].as_str().unwrap_or_else(|| panic!("Fn::Sub text {arg}")),
                pair[1].as_object().cloned().unwrap_or_else(|| panic!("Fn::Sub variables {arg}")),
            ),
            _ => panic!("Fn::Sub takes a string or [string, variables]: {arg}"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').unwrap_or_else(|| panic!("unclosed ${{ in {text}"));
            let name = &after[..end];
            let value = if let Some(literal) = name.strip_prefix('!') {
                format!("${{{literal}}}")
            } else if let Some(var) = vars.get(name) {
                scalar(&self.eval(var).unwrap_or_else(|| panic!("${{{name}}} is AWS::NoValue in {text}")))
            } else if !name.starts_with("AWS::") && name.contains('.') {
                name.to_owned()
            } else {
                scalar(&self.reference(name).unwrap_or_else(|| panic!("${{{name}}} is AWS::NoValue in {text}")))
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn single_key(value: &Value) -> Option<(&str, &Value)> {
    match value.as_object() {
        Some(map) if map.len() == 1 => map.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

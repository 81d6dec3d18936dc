//! The stateless Streamable HTTP contract, over the same app Lambda and `serve` run.

use http::StatusCode;
use serde_json::json;

use crate::common::{V2026, local};

#[tokio::test]
async fn legacy_initialize_is_a_pure_function_for_every_2025_version() {
    for version in ["2025-11-25", "2025-06-18", "2025-03-26"] {
        let h = local(&[]);
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
        let r = h.post(body, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{version}: {}", r.text);
        assert_eq!(r.json["result"]["protocolVersion"], version);
        assert!(r.headers.get("mcp-session-id").is_none(), "no session in stateless mode");
        // A fresh instance answers tools/list without having seen initialize.
        let fresh = local(&[]);
        let list = fresh
            .post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), &[("mcp-protocol-version", version)])
            .await;
        assert_eq!(list.json["result"]["tools"].as_array().map(Vec::len), Some(7), "{version}: {}", list.text);
    }
}

#[tokio::test]
async fn discover_reports_versions_capabilities_and_server_info() {
    let r = local(&[]).request_2026("server/discover", json!({}), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let result = &r.json["result"];
    assert_eq!(result["supportedVersions"], json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]));
    for capability in ["tools", "resources", "prompts"] {
        assert!(result["capabilities"][capability].is_object(), "{capability}");
    }
    assert_eq!(result["cacheScope"], "public");
    assert!(result["ttlMs"].as_u64().unwrap_or_default() > 0);
}

#[tokio::test]
async fn lists_are_marked_cacheable_for_everyone() {
    let h = local(&[]);
    for method in ["tools/list", "resources/list", "resources/templates/list", "prompts/list"] {
        let r = h.request_2026(method, json!({}), None).await;
        assert_eq!(r.json["result"]["cacheScope"], "public", "{method}: {}", r.text);
        assert_eq!(r.json["result"]["ttlMs"], 300_000, "{method}");
        assert_eq!(r.json["result"]["resultType"], "complete", "{method}");
    }
}

#[tokio::test]
async fn tool_results_carry_result_type_in_2026() {
    let result = local(&[]).call("search_companies", json!({"query": "cloud"})).await;
    assert_eq!(result["resultType"], "complete");
}

#[tokio::test]
async fn unsupported_version_gets_32022_with_the_supported_list() {
    let h = local(&[]);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2099-01-01", "io.modelcontextprotocol/clientCapabilities": {}}}});
    let r = h.post(body, &[("mcp-protocol-version", "2099-01-01"), ("mcp-method", "tools/list")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["error"]["code"], -32022);
    assert_eq!(r.json["error"]["data"]["supported"][0], V2026);
}

#[tokio::test]
async fn missing_client_capabilities_is_invalid_params() {
    let h = local(&[]);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list",
        "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": V2026}}});
    let r = h.post(body, &[("mcp-protocol-version", V2026), ("mcp-method", "tools/list")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json["error"]["code"], -32602);
}

#[tokio::test]
async fn mcp_name_must_match_the_tool() {
    let h = local(&[]);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "search_companies", "arguments": {"query": "x"}, "_meta": crate::common::meta()}});
    let r = h
        .post(body, &[("mcp-protocol-version", V2026), ("mcp-method", "tools/call"), ("mcp-name", "get_company")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"]["code"], -32020);
    assert!(h.backend.calls().is_empty());
}

#[tokio::test]
async fn body_faults_map_to_jsonrpc_errors() {
    let h = local(&[]);
    let json = [("content-type", "application/json")];
    let cases = [
        ("{\"jsonrpc\":", -32700),
        ("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", -32600),
        ("\"just a string\"", -32600),
        ("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", -32600),
    ];
    for (body, code) in cases {
        let r = h.post_raw(body, &json).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(r.json["error"]["code"], code, "{body}: {}", r.text);
        assert_eq!(r.json["jsonrpc"], "2.0");
    }
    // A readable message with unusable params is the handler's answer (in-band for 2025 clients).
    let r = h.post(json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {}}), &[]).await;
    assert_eq!((r.status, r.json["error"]["code"].clone()), (StatusCode::OK, json!(-32602)), "{}", r.text);
    let r = h.post(json!({"jsonrpc": "2.0", "id": 9, "method": "no/such"}), &[]).await;
    assert_eq!(r.json["error"]["code"], -32601, "{}", r.text);
    assert_eq!(r.json["id"], 9);
}

#[tokio::test]
async fn notifications_and_responses_get_202_and_no_body() {
    let h = local(&[]);
    for body in [
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 4, "result": {}}),
    ] {
        let r = h.post(body.clone(), &[]).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{body}");
        assert!(r.text.is_empty());
    }
}

#[tokio::test]
async fn only_post_is_allowed() {
    let h = local(&[]);
    for method in ["GET", "DELETE", "PUT"] {
        let req = http::Request::builder()
            .method(method)
            .uri("/mcp")
            .header("host", "localhost")
            .body(axum::body::Body::empty());
        let r = crate::common::reply(
            tower::ServiceExt::oneshot(h.app.clone(), req.expect("request")).await.expect("infallible"),
        )
        .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(r.headers["allow"], "POST");
    }
}

#[tokio::test]
async fn content_type_size_and_accept_are_enforced() {
    let h = local(&[]);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    assert_eq!(
        h.post_raw(ping.clone(), &[("content-type", "text/plain")]).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let big = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "a".repeat(1 << 20)
    );
    assert_eq!(h.post_raw(big, &[("content-type", "application/json")]).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // curl-style clients that send no Accept, or only JSON, are served JSON.
    let r = h.post_raw(ping.clone(), &[("content-type", "application/json")]).await;
    assert_eq!((r.status, r.headers["content-type"].to_str().ok()), (StatusCode::OK, Some("application/json")));
    let r = h.post_raw(ping, &[("content-type", "application/json"), ("accept", "text/html")]).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn origin_and_host_are_checked() {
    let h = local(&[("ALLOWED_ORIGINS", "https://app.example.com")]);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(h.post(ping.clone(), &[("origin", "https://evil.example")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(h.post(ping.clone(), &[("origin", "https://app.example.com")]).await.status, StatusCode::OK);
    assert_eq!(h.post(ping.clone(), &[]).await.status, StatusCode::OK, "no Origin: not a browser");
    assert_eq!(h.post(ping, &[("host", "attacker.example")]).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn health_needs_no_mcp() {
    let req = http::Request::get("/health").body(axum::body::Body::empty()).expect("request");
    let r =
        crate::common::reply(tower::ServiceExt::oneshot(local(&[]).app.clone(), req).await.expect("infallible")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json, json!({"status": "ok"}));
}

#[tokio::test]
async fn unknown_method_is_404_for_2026_requests() {
    let r = local(&[]).request_2026("no/such", json!({}), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(r.json["error"]["code"], -32601);
}

#[tokio::test]
async fn methods_2026_removed_are_404_in_2026_but_the_handshake_still_works_in_2025() {
    let h = local(&[]);
    for method in ["initialize", "ping", "logging/setLevel", "resources/subscribe"] {
        let r = h.request_2026(method, json!({}), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method}: {}", r.text);
        assert_eq!(r.json["error"]["code"], -32601, "{method}: {}", r.text);
        assert_eq!(r.json["id"], 1, "{method}");
    }
    let handshake = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let r = h.post(handshake, &[("mcp-protocol-version", "2025-11-25")]).await;
    assert_eq!(r.json["result"]["protocolVersion"], "2025-11-25", "{}", r.text);
}

#[tokio::test]
async fn an_unsupported_version_header_alone_gets_32022_as_json() {
    let h = local(&[]);
    for version in ["2099-01-01", "2024-11-05"] {
        let r = h
            .post(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}), &[("mcp-protocol-version", version)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(r.json["error"]["code"], -32022, "{version}: {}", r.text);
        assert_eq!(r.json["id"], 3);
        assert_eq!(r.json["error"]["data"]["supported"][0], V2026);
    }
}

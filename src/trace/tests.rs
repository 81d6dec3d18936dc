//! Trace context parsing: what is kept, what is ignored, and the shapes sent onward.

use super::*;

const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const XRAY: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

fn w3c(traceparent: &str) -> Option<TraceContext> {
    TraceContext::read(Source::W3c { traceparent, tracestate: None })
}

#[test]
fn a_valid_traceparent_is_kept_with_a_new_span_of_our_own() {
    let context = w3c(PARENT).unwrap();
    assert_eq!(context.trace_id(), "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(context.parent_id().as_deref(), Some("b7ad6b7169203331"));
    assert!(context.sampled());
    assert_ne!(context.span_id(), "b7ad6b7169203331");
    assert_eq!(context.traceparent(), format!("00-0af7651916cd43dd8448eb211c80319c-{}-01", context.span_id()));
    assert_eq!(
        context.x_amzn_trace_id(),
        format!("Root=1-0af76519-16cd43dd8448eb211c80319c;Parent={};Sampled=1", context.span_id())
    );
}

#[test]
fn malformed_traceparents_are_ignored() {
    let bad = [
        "",
        "garbage",
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00-0af7651916cd43dd8448eb211c80319-cb7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g",
        "0x-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\u{e9}",
    ];
    for value in bad {
        assert_eq!(w3c(value), None, "{value:?}");
    }
}

#[test]
fn a_later_version_may_append_fields() {
    let context = w3c("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-what-the-future-holds").unwrap();
    assert_eq!(context.trace_id(), "0af7651916cd43dd8448eb211c80319c");
    assert!(!context.sampled());
}

#[test]
fn tracestate_is_passed_on_only_when_well_formed() {
    let read = |state: &str| {
        TraceContext::read(Source::W3c { traceparent: PARENT, tracestate: Some(state) })
            .unwrap()
            .tracestate()
            .map(str::to_owned)
    };
    assert_eq!(
        read("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7").as_deref(),
        Some("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
    );
    assert_eq!(read("no-equals-sign"), None);
    assert_eq!(read(&"k=v,".repeat(33)), None);
    assert_eq!(read(&format!("k={}", "v".repeat(600))), None);
    assert_eq!(read("k=v\u{7}"), None);
}

#[test]
fn the_xray_header_is_read_in_any_order() {
    let context = TraceContext::read(Source::XRay(XRAY)).unwrap();
    assert_eq!(context.xray_trace_id(), "1-5759e988-bd862e3fe1be46a994272793");
    assert_eq!(context.trace_id(), "5759e988bd862e3fe1be46a994272793");
    assert_eq!(context.parent_id().as_deref(), Some("53995c3f42cd8ad8"));
    assert!(context.sampled());
    let reordered = TraceContext::read(Source::XRay(
        "Sampled=0;Lineage=a87bd80c:1|68fd508a:5;Root=1-5759e988-bd862e3fe1be46a994272793",
    ))
    .unwrap();
    assert_eq!(reordered.trace_id(), context.trace_id());
    assert_eq!(reordered.parent_id(), None);
    assert!(!reordered.sampled());
}

#[test]
fn malformed_xray_headers_are_ignored() {
    let bad = [
        "",
        "Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=2-5759e988-bd862e3fe1be46a994272793",
        "Root=1-5759e98-bd862e3fe1be46a994272793",
        "Root=1-5759e988-bd862e3fe1be46a99427279",
        "Root=1-5759e988-bd862e3fe1be46a994272793-00",
        "Root=1-00000000-000000000000000000000000",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=zz",
        "Root",
    ];
    for value in bad {
        assert_eq!(TraceContext::read(Source::XRay(value)), None, "{value:?}");
    }
}

#[test]
fn the_first_valid_source_wins_else_a_new_x_ray_shaped_trace() {
    let picked = TraceContext::pick([
        Source::W3c { traceparent: "broken", tracestate: None },
        Source::XRay(XRAY),
        Source::W3c { traceparent: PARENT, tracestate: None },
    ]);
    assert_eq!(picked.trace_id(), "5759e988bd862e3fe1be46a994272793");

    let fresh = TraceContext::pick([Source::XRay("nonsense")]);
    assert_eq!(fresh.parent_id(), None);
    assert!(fresh.sampled());
    let epoch = u64::from_str_radix(&fresh.trace_id()[..8], 16).unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    assert!(now.abs_diff(epoch) < 60, "the id starts with the epoch seconds: {}", fresh.trace_id());
    // What we send onward reads back as the same trace.
    let sent = w3c(&fresh.traceparent()).unwrap();
    assert_eq!(sent.trace_id(), fresh.trace_id());
    assert_eq!(sent.parent_id(), Some(fresh.span_id()));
    let via_xray = TraceContext::read(Source::XRay(&fresh.x_amzn_trace_id())).unwrap();
    assert_eq!(via_xray.trace_id(), fresh.trace_id());
}

#[test]
fn ids_are_written_as_lowercase_hex_in_place() {
    let bytes: [u8; 8] = [0x00, 0x0f, 0x10, 0xa5, 0x5a, 0xc3, 0xfe, 0xff];
    let id = Hex::<16>::of(&bytes);
    assert_eq!(id, "000f10a55ac3feff");
    assert_eq!(id.to_string(), "000f10a55ac3feff");
    assert_eq!(serde_json::to_string(&id).unwrap(), "\"000f10a55ac3feff\"");
    assert_eq!(format!("{id:?}"), "\"000f10a55ac3feff\"");
    // Every byte value, against the standard library's formatting.
    for b in 0..=255u8 {
        assert_eq!(Hex::<2>::of(&[b]), format!("{b:02x}").as_str());
    }
}

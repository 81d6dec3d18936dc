//! The MCP handler: one per request (stateless), a clone of one built from the shared [`AppState`]
//! and its [`Catalog`] (what the server says about itself, built once). It lists and dispatches
//! tools, resources and prompts, and is the single place where a tool's result or error becomes
//! an MCP answer and an audit record.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CustomRequest, CustomResult, DiscoverResult, ErrorCode,
    GetPromptRequestParams, GetPromptResponse, GetTaskParams, GetTaskResult, Implementation, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig, Tool, UpdateTaskParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use crate::inbound::caller::Caller;
use crate::mcp::catalog::Catalog;
use crate::mcp::confirm::Asking;
use crate::mcp::dispatch::Dispatched;
use crate::mcp::state::AppState;
use crate::mcp::{dispatch, prompts, resources, tasks};
use crate::tools::FollowUp;
use crate::trace::span::{Kind, Span};
use crate::trace::{CallTrace, Inbound};

/// Protocol versions served: 2026-07-28 (stateless) first, then the handshake era.
pub const SUPPORTED_VERSIONS: [ProtocolVersion; 4] = [
    ProtocolVersion::V_2026_07_28,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_03_26,
];

/// Methods this server implements; anything else is -32601.
pub(crate) const STANDARD_METHODS: [&str; 13] = [
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
];

/// Time kept back from a Lambda invocation's deadline to write the answer and the audit line.
const LAMBDA_MARGIN: Duration = Duration::from_millis(500);

const INSTRUCTIONS: &str = "Company intelligence for B2B research. Start with search_companies (filters) or \
    ai_search (plain language), open a company with get_company, and keep lists with the collection tools. \
    Ids come from earlier answers; pass cursors back unchanged to page.";

/// Cheap to clone (two `Arc`s): the HTTP app builds one and hands each request a clone.
#[derive(Clone)]
pub struct McpServer {
    state: Arc<AppState>,
    catalog: Arc<Catalog>,
}

impl McpServer {
    pub fn new(state: Arc<AppState>) -> McpServer {
        let catalog = Arc::new(Catalog::new(&state, server_config(), SUPPORTED_VERSIONS.to_vec()));
        McpServer { state, catalog }
    }

    /// The configured deadline, shortened to what is left of the Lambda invocation (less a
    /// margin to answer in).
    fn deadline(&self, context: &RequestContext<RoleServer>) -> Duration {
        let configured = self.state.config.request_deadline;
        let lambda_ms = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<lambda_runtime::Context>())
            .map(|ctx| ctx.deadline);
        let Some(deadline_ms) = lambda_ms else { return configured };
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let left = Duration::from_millis(deadline_ms.saturating_sub(now_ms)).saturating_sub(LAMBDA_MARGIN);
        configured.min(left.max(Duration::from_millis(100)))
    }

    /// The request's trace: `_meta` first, then the HTTP headers and Lambda's X-Ray header
    /// (`crate::trace::CallTrace::pick`).
    fn trace(&self, context: &RequestContext<RoleServer>) -> CallTrace {
        let parts = context.extensions.get::<http::request::Parts>();
        CallTrace::pick(Inbound {
            meta_traceparent: context.meta.0.get_traceparent(),
            meta_tracestate: context.meta.0.get_tracestate(),
            headers: parts.map(|p| &p.headers),
            lambda_xray: parts
                .and_then(|p| p.extensions.get::<lambda_runtime::Context>())
                .and_then(|ctx| ctx.xray_trace_id.as_deref()),
        })
    }

    /// Where a call of `tool` continues, for a client that takes tasks (2026-07-28 with the
    /// tasks extension declared on this request).
    fn follow_up(&self, tool: &str, context: &RequestContext<RoleServer>) -> Option<FollowUp> {
        // The tool first: the client's capabilities are parsed from _meta each time they are read.
        let follow_up = self.state.registry.tools().iter().find(|e| e.name == tool).and_then(|e| e.follow_up)?;
        let modern = context.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let tasks = context.client_capabilities().is_some_and(|c| c.supports_tasks());
        (modern && tasks).then_some(follow_up)
    }

    fn caller(&self, context: &RequestContext<RoleServer>) -> Caller {
        match context.extensions.get::<http::request::Parts>() {
            Some(parts) => Caller::from_extensions(&parts.extensions, &self.state.config),
            None => Caller::local(&self.state.config),
        }
    }
}

/// The span of one MCP request (OpenTelemetry's MCP convention: named for the method, kind
/// server); its parent is the client's span when the client sent one.
fn request_span(method: &'static str, trace: &CallTrace) -> Span {
    let remote = trace.span.parent_id().is_some();
    let mut span = Span::start(Kind::Server, || method.into(), &trace.span, remote);
    span.set("mcp.method.name", method);
    span
}

/// Whether the person can be asked through this client: 2026-07-28 (multi round-trip requests)
/// with form elicitation declared on this request (`elicitation: {}` means form).
fn can_ask(context: &RequestContext<RoleServer>) -> bool {
    let modern = context.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
    let form =
        context.client_capabilities().and_then(|c| c.elicitation).is_some_and(|e| e.form.is_some() || e.url.is_none());
    modern && form
}

fn server_config() -> ServerConfig {
    let capabilities =
        ServerCapabilities::builder().enable_tools().enable_resources().enable_prompts().enable_tasks().build();
    ServerConfig::new(capabilities)
        .with_server_info(
            Implementation::new("b2b-mcp", env!("CARGO_PKG_VERSION")).with_title("B2B company intelligence"),
        )
        .with_instructions(INSTRUCTIONS)
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        self.catalog.info()
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(&SUPPORTED_VERSIONS)
    }

    async fn discover(&self, _context: RequestContext<RoleServer>) -> Result<DiscoverResult, McpError> {
        Ok(self.catalog.discover())
    }

    /// The tools this caller may call, and nothing else (`crate::mcp::authz`).
    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(self.catalog.tools(&self.state, &self.caller(&context)))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.state.registry.tools().iter().find(|e| e.name == name).map(|e| e.tool().clone())
    }

    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let (caller, deadline, trace) = (self.caller(&context), self.deadline(&context), self.trace(&context));
        let mut span = request_span("tools/call", &trace);
        let arguments = request.arguments.take().unwrap_or_default();
        let asking = Asking {
            // Read from the request's _meta only for a tool that asks (it is parsed each time).
            can_ask: self.state.confirmer.wants(&request.name) && can_ask(&context),
            request_state: request.request_state.as_deref(),
            responses: request.input_responses.as_ref(),
        };
        let ran = dispatch::run_tool(&self.state, &request.name, arguments, caller.clone(), deadline, &trace, asking);
        // Boxed, as every handler's work that reaches the backend or the store is: rmcp and tokio
        // move the request's future by value (into its task, between its states), and the largest
        // handler's future is every request's size. Inline, tasks::create (the idempotency store's
        // DynamoDB calls) made each tools/call copy tens of KB (+100,000 instructions a call).
        match Box::pin(ran).await {
            Ok(Dispatched::Ask(question)) => Ok(question.into()),
            Ok(Dispatched::Done(result)) => {
                if let (Ok(called), Some(follow_up)) = (&result, self.follow_up(&request.name, &context)) {
                    match Box::pin(tasks::create(&self.state, follow_up, called, &caller)).await {
                        Ok(Some(task)) => return Ok(task.into()),
                        Ok(None) => {}
                        Err(e) => tracing::error!(error = %e, "could not make a task; answering directly"),
                    }
                }
                let answer = dispatch::call_result(result);
                if answer.is_error == Some(true) {
                    span.fail("tool_error");
                }
                Ok(answer.into())
            }
            Err(unknown) => {
                span.fail("invalid_params");
                Err(McpError::invalid_params(unknown.to_string(), None))
            }
        }
    }

    /// rmcp routes a standard method whose params it cannot read here too: that is a caller's
    /// malformed request (-32602), not an unknown method (-32601).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        let method = crate::error::truncate_for_message(&request.method, 64);
        if STANDARD_METHODS.contains(&request.method.as_str()) {
            Err(McpError::invalid_params(format!("invalid params for {method}"), None))
        } else {
            Err(McpError::new(ErrorCode::METHOD_NOT_FOUND, format!("method not found: {method}"), None))
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(self.catalog.resources())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(self.catalog.templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let (caller, deadline, trace) = (self.caller(&context), self.deadline(&context), self.trace(&context));
        let mut span = request_span("resources/read", &trace);
        let answer = Box::pin(resources::read(&self.state, &request.uri, caller, deadline, &trace)).await;
        if answer.is_err() {
            span.fail("jsonrpc_error");
        }
        answer.map(Into::into)
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let (caller, deadline, trace) = (self.caller(&context), self.deadline(&context), self.trace(&context));
        let _span = request_span("tasks/get", &trace);
        Box::pin(tasks::get(&self.state, &request.task_id, caller, deadline, &trace)).await
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Box::pin(tasks::acknowledge(&self.state, &request.task_id, &self.caller(&context))).await
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Box::pin(tasks::acknowledge(&self.state, &request.task_id, &self.caller(&context))).await
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(self.catalog.prompts())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        prompts::get(&request.name, request.arguments.as_ref()).map(Into::into)
    }
}

//! Prompts: reusable starting points a user can pick in their client.

use rmcp::ErrorData as McpError;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

use crate::tools::normalize;

pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "find_companies",
            Some("Turn a description of an ideal customer into a company search."),
            Some(vec![
                PromptArgument::new("description")
                    .with_description("The ideal customer profile, in your own words")
                    .with_required(true),
            ]),
        ),
        Prompt::new(
            "account_brief",
            Some("Build a short account brief for one company."),
            Some(vec![PromptArgument::new("company_id").with_description("Platform company id").with_required(true)]),
        ),
    ]
}

fn argument(arguments: Option<&JsonObject>, name: &str, max_chars: usize) -> Result<String, McpError> {
    let value = arguments.and_then(|a| a.get(name)).and_then(|v| v.as_str());
    let value = normalize::non_empty(value)
        .ok_or_else(|| McpError::invalid_params(format!("argument {name} is required"), None))?;
    if value.chars().count() > max_chars {
        return Err(McpError::invalid_params(format!("argument {name} is longer than {max_chars} characters"), None));
    }
    Ok(value)
}

pub fn get(name: &str, arguments: Option<&JsonObject>) -> Result<GetPromptResult, McpError> {
    match name {
        "find_companies" => {
            let description = argument(arguments, "description", 1000)?;
            let text = format!(
                "Find companies that match this ideal customer profile:\n\n{description}\n\n\
                 Translate it into filters for search_companies (country as an ISO code, an industry from the \
                 b2b://reference/industries resource, employee bounds, a few keywords). If the profile is hard to \
                 express as filters, use ai_search once and check its interpreted_filters. Show the best matches \
                 with a one-line reason each, and say which filters you used."
            );
            Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Search for companies matching an ideal customer profile"))
        }
        "account_brief" => {
            // The id is pasted into the prompt text: only a well-formed id gets there.
            let company_id = crate::tools::args::id("company_id", &argument(arguments, "company_id", 128)?)
                .map_err(|e| McpError::invalid_params(e.client_message(), None))?;
            let text = format!(
                "Write an account brief for company {company_id}. Call get_company with id \"{company_id}\" and \
                 summarise: what the company does, size and growth signals (employees, revenue range, founding year), \
                 location, technologies in use, and three questions a salesperson should ask. Keep it under 250 words \
                 and do not invent facts that are not in the profile."
            );
            Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Account brief for one company"))
        }
        other => Err(McpError::invalid_params(
            format!(
                "unknown prompt {:?}; prompts/list shows find_companies and account_brief",
                crate::error::truncate_for_message(other, 64)
            ),
            None,
        )),
    }
}

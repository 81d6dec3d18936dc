//! Every GraphQL document the server sends. Fixed text, variables only; each one is validated
//! against `schema.graphql` by the test at the bottom of this file.

use super::{Operation, OperationKind};

/// The fields behind a company summary (search results, batch, collection items).
macro_rules! summary_fields {
    () => {
        "id name domain country city industry employees foundedYear description"
    };
}

/// Every field of the flat company profile returned by `get_company`.
macro_rules! profile_fields {
    () => {
        "id name legalName domain website description country city region industry employees \
         employeeRange revenueRange foundedYear technologies linkedinUrl updatedAt"
    };
}

pub const SEARCH_COMPANIES: Operation = Operation {
    name: "SearchCompanies",
    kind: OperationKind::Query,
    document: concat!(
        "query SearchCompanies($filter: CompanySearchFilter!, $limit: Int!, $nextToken: String) {\n",
        "  searchCompanies(filter: $filter, limit: $limit, nextToken: $nextToken) {\n",
        "    items { ",
        summary_fields!(),
        " }\n    nextToken\n  }\n}"
    ),
};

pub const GET_COMPANY: Operation = Operation {
    name: "GetCompany",
    kind: OperationKind::Query,
    document: concat!(
        "query GetCompany($id: ID, $domain: String) {\n",
        "  getCompany(id: $id, domain: $domain) { ",
        profile_fields!(),
        " }\n}"
    ),
};

pub const GET_COMPANIES_BATCH: Operation = Operation {
    name: "GetCompaniesBatch",
    kind: OperationKind::Query,
    document: concat!(
        "query GetCompaniesBatch($ids: [ID!]!) {\n",
        "  getCompaniesBatch(ids: $ids) { ",
        summary_fields!(),
        " }\n}"
    ),
};

pub const AI_SEARCH: Operation = Operation {
    name: "AiSearch",
    kind: OperationKind::Query,
    document: concat!(
        "query AiSearch($query: String!, $limit: Int!, $nextToken: String) {\n",
        "  aiSearch(query: $query, limit: $limit, nextToken: $nextToken) {\n",
        "    interpretedFilters { query country industry employeesMin employeesMax }\n",
        "    items { ",
        summary_fields!(),
        " }\n    nextToken\n  }\n}"
    ),
};

pub const LIST_COLLECTIONS: Operation = Operation {
    name: "ListCollections",
    kind: OperationKind::Query,
    document: "query ListCollections($ownerId: ID!, $limit: Int!, $nextToken: String) {\n  \
               listCollections(ownerId: $ownerId, limit: $limit, nextToken: $nextToken) {\n    \
               items { id name description itemCount createdAt }\n    nextToken\n  }\n}",
};

pub const GET_COLLECTION_ITEMS: Operation = Operation {
    name: "GetCollectionItems",
    kind: OperationKind::Query,
    document: concat!(
        "query GetCollectionItems($ownerId: ID!, $collectionId: ID!, $limit: Int!, $nextToken: String) {\n",
        "  getCollectionItems(ownerId: $ownerId, collectionId: $collectionId, limit: $limit, nextToken: $nextToken) {\n",
        "    items { addedAt company { ",
        summary_fields!(),
        " } }\n    nextToken\n  }\n}"
    ),
};

/// One of the owner's e-mail discovery requests, with its contacts once completed.
pub const GET_EMAIL_DISCOVERY: Operation = Operation {
    name: "GetEmailDiscovery",
    kind: OperationKind::Query,
    document: "query GetEmailDiscovery($ownerId: ID!, $id: ID!) {\n  \
               getEmailDiscovery(ownerId: $ownerId, id: $id) {\n    \
               id companyId department maxContacts status createdAt updatedAt\n    \
               contacts { name title department email confidence }\n  }\n}",
};

pub const INDUSTRIES: Operation =
    Operation { name: "Industries", kind: OperationKind::Query, document: "query Industries {\n  industries\n}" };

pub const CREATE_COLLECTION: Operation = Operation {
    name: "CreateCollection",
    kind: OperationKind::Mutation,
    document: "mutation CreateCollection($input: CreateCollectionInput!) {\n  \
               createCollection(input: $input) { id name description itemCount createdAt }\n}",
};

pub const ADD_TO_COLLECTION: Operation = Operation {
    name: "AddToCollection",
    kind: OperationKind::Mutation,
    document: "mutation AddToCollection($input: AddToCollectionInput!) {\n  \
               addToCollection(input: $input) { added alreadyPresent notFound }\n}",
};

pub const REQUEST_EMAIL_DISCOVERY: Operation = Operation {
    name: "RequestEmailDiscovery",
    kind: OperationKind::Mutation,
    document: "mutation RequestEmailDiscovery($input: EmailDiscoveryInput!) {\n  \
               requestEmailDiscovery(input: $input) { id companyId department maxContacts status createdAt }\n}",
};

/// Every operation, for the schema test and for IAM field lists.
pub const ALL: &[Operation] = &[
    SEARCH_COMPANIES,
    GET_COMPANY,
    GET_COMPANIES_BATCH,
    AI_SEARCH,
    LIST_COLLECTIONS,
    GET_COLLECTION_ITEMS,
    GET_EMAIL_DISCOVERY,
    INDUSTRIES,
    CREATE_COLLECTION,
    ADD_TO_COLLECTION,
    REQUEST_EMAIL_DISCOVERY,
];

#[cfg(test)]
mod tests {
    use super::*;
    use apollo_compiler::{ExecutableDocument, Schema};

    fn schema() -> apollo_compiler::validation::Valid<Schema> {
        let sdl = include_str!("../../schema.graphql");
        match Schema::parse_and_validate(sdl, "schema.graphql") {
            Ok(schema) => schema,
            Err(e) => panic!("schema.graphql is invalid:\n{}", e.errors),
        }
    }

    #[test]
    fn every_operation_is_valid_against_the_schema() {
        let schema = schema();
        for op in ALL {
            let doc = ExecutableDocument::parse_and_validate(&schema, op.document, op.name);
            if let Err(e) = doc {
                panic!("{} is invalid:\n{}\n{}", op.name, e.errors, op.document);
            }
        }
    }

    #[test]
    fn operation_names_and_kinds_match_their_documents() {
        let schema = schema();
        for op in ALL {
            let doc = ExecutableDocument::parse_and_validate(&schema, op.document, op.name)
                .unwrap_or_else(|e| panic!("{}: {}", op.name, e.errors));
            let parsed = doc
                .operations
                .get(Some(op.name))
                .unwrap_or_else(|_| panic!("{} has no operation named {}", op.document, op.name));
            let is_mutation = parsed.operation_type == apollo_compiler::ast::OperationType::Mutation;
            assert_eq!(is_mutation, op.kind == OperationKind::Mutation, "{}", op.name);
        }
    }
}

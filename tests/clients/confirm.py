"""The paid tool's confirmation and its result, driven by the official Python SDK (mcp 2.x), as an
LLM client's host would: the person is asked through the SDK's elicitation callback.

    python confirm.py URL FLOW [--token TOKEN] [--company ID] [--task-id ID] [--request-id ID]

FLOW is one of:
  accept      2026-07-28 with form elicitation: the question arrives, the person says yes, the
              discovery is queued (prints CONFIRMED request_id=...)
  decline     the same, the person says no: an error result, nothing queued (prints DECLINED)
  replay      the answered round sent a second time by hand: refused (prints REPLAY REFUSED)
  legacy      a 2025-era client (initialize handshake): prints LEGACY REFUSED or LEGACY ALLOWED
  task        2026-07-28 with the tasks extension too: confirmed, answered with a task, polled
              with tasks/get until completed (prints TASK ... COMPLETED contacts=N)
  other-task  tasks/get of --task-id by this token's caller: must be refused (prints OTHER TASK REFUSED)
  follow-up   get_email_discovery of --request-id, until completed (prints FOLLOW-UP COMPLETED contacts=N)
  across      asked by URL's instance, answered (yes) to --other-url's: another instance of the
              stage (prints ACROSS CONFIRMED, or ACROSS REFUSED with what it said)

Exits non-zero with one FAIL line on the first thing that is wrong.
"""

import argparse
import asyncio
import os
import sys
import time
from typing import Any, Literal

import httpx2
import mcp
import mcp_types
from mcp.client.extension import ClaimContext, ClientExtension, ResultClaim
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

PAID = "request_email_discovery"
FOLLOW_UP = "get_email_discovery"
TASKS = "io.modelcontextprotocol/tasks"
POLL_SECONDS = 60


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def text_of(result):
    return " ".join(getattr(c, "text", "") for c in result.content)


class Person:
    """The host's elicitation callback: shows the question, answers as told."""

    def __init__(self, action):
        self.action = action
        self.questions = []

    async def __call__(self, context, params):
        self.questions.append(params.message)
        if self.action == "accept":
            return mcp_types.ElicitResult(action="accept", content={"confirm": True})
        return mcp_types.ElicitResult(action=self.action)


class TaskHandle(mcp_types.Result):
    """A 2026-07-28 task, as `tools/call` answers with `resultType: "task"`."""

    result_type: Literal["task"] = "task"
    task_id: str
    status: str
    poll_interval_ms: int | None = None


class GetTask(mcp_types.Request[dict[str, Any], Literal["tasks/get"]]):
    method: Literal["tasks/get"] = "tasks/get"
    params: dict[str, Any]
    # The SDK sends the routing header Mcp-Name: <taskId>, which the server requires.
    name_param = "taskId"


class DetailedTask(mcp_types.Result):
    task_id: str
    status: str
    status_message: str | None = None
    result: dict[str, Any] | None = None


async def get_task(session, task_id):
    return await session.send_request(GetTask(params={"taskId": task_id}), DetailedTask)


class Tasks(ClientExtension):
    """The Tasks extension on the client's side: advertised in every request's capabilities; a
    task answer is polled with tasks/get until it ends, and its inlined result returned."""

    identifier = TASKS

    def __init__(self):
        self.seen = []

    def claims(self):
        return [ResultClaim(result_type="task", model=TaskHandle, resolve=self.poll)]

    async def poll(self, handle: TaskHandle, ctx: ClaimContext) -> mcp_types.CallToolResult:
        self.seen.append(handle.task_id)
        deadline = time.monotonic() + POLL_SECONDS
        statuses = [handle.status]
        while time.monotonic() < deadline:
            task = await get_task(ctx.session, handle.task_id)
            statuses.append(task.status)
            if task.status in ("completed", "failed", "cancelled"):
                check(task.status == "completed" and task.result, f"task ended {task.status}: {task}")
                print(f"ok   task statuses              {' -> '.join(dict.fromkeys(statuses))}")
                return mcp_types.CallToolResult.model_validate(task.result)
            await asyncio.sleep((handle.poll_interval_ms or 1000) / 1000 / 4)
        raise Failure(f"task {handle.task_id} not done in {POLL_SECONDS} s: {statuses}")


def contacts_of(result, company_domain=None):
    structured = result.structured_content or {}
    contacts = structured.get("contacts") or []
    check(structured.get("status") == "completed", f"not completed: {structured}")
    check(contacts, f"no contacts in a completed discovery: {structured}")
    for contact in contacts:
        check("@" in contact.get("email", ""), f"a contact without an address: {contact}")
        if company_domain:
            check(contact["email"].endswith("@" + company_domain), f"{contact['email']} not at {company_domain}")
    return contacts


async def run(args):
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else None
    async with create_mcp_http_client(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
        transport = streamable_http_client(args.url, http_client=http)
        person = Person("decline" if args.flow == "decline" else "accept")
        tasks = Tasks()
        options = {"mode": "legacy" if args.flow == "legacy" else "2026-07-28"}
        if args.flow in ("accept", "decline", "replay", "task", "other-task", "across"):
            options["elicitation_callback"] = person
        if args.flow in ("task", "other-task"):
            # The other caller declares tasks too: it is refused for whose task it is, not for that.
            options["extensions"] = [tasks]
        arguments = {"company_id": args.company, "department": "sales", "max_contacts": 3}
        async with mcp.Client(transport, **options) as client:
            if args.flow in ("accept", "decline"):
                result = await client.call_tool(PAID, arguments)
                check(len(person.questions) == 1, f"asked {len(person.questions)} times")
                print(f"ok   asked                      {person.questions[0]}")
                if args.flow == "decline":
                    check(result.is_error and "declined" in text_of(result), f"not declined: {result}")
                    print("DECLINED")
                else:
                    check(not result.is_error, f"refused after a yes: {text_of(result)}")
                    print(f"CONFIRMED request_id={result.structured_content['request_id']}")
            elif args.flow == "replay":
                first = await client.session.call_tool(PAID, arguments, allow_input_required=True)
                check(isinstance(first, mcp_types.InputRequiredResult), f"not asked: {first}")
                yes = {"confirm": {"action": "accept", "content": {"confirm": True}}}
                answered = dict(input_responses=yes, request_state=first.request_state, allow_input_required=True)
                done = await client.session.call_tool(PAID, arguments, **answered)
                check(not done.is_error, f"refused after a yes: {done}")
                print(f"ok   answered once              request_id={done.structured_content['request_id']}")
                again = await client.session.call_tool(PAID, arguments, **answered)
                check(again.is_error and "already used" in text_of(again), f"a replay was not refused: {again}")
                print("REPLAY REFUSED")
            elif args.flow == "across":
                first = await client.session.call_tool(PAID, arguments, allow_input_required=True)
                check(isinstance(first, mcp_types.InputRequiredResult), f"not asked: {first}")
                other = streamable_http_client(args.other_url, http_client=http)
                async with mcp.Client(other, **options) as second:
                    yes = {"confirm": {"action": "accept", "content": {"confirm": True}}}
                    done = await second.session.call_tool(
                        PAID, arguments, input_responses=yes, request_state=first.request_state, allow_input_required=True
                    )
                print(f"ACROSS REFUSED {text_of(done)}" if done.is_error else "ACROSS CONFIRMED")
            elif args.flow == "legacy":
                result = await client.call_tool(PAID, arguments)
                print("LEGACY REFUSED" if result.is_error else "LEGACY ALLOWED")
                print(f"ok   said                       {text_of(result)}")
            elif args.flow == "task":
                result = await client.call_tool(PAID, arguments)
                check(tasks.seen, "the server answered without a task")
                contacts = contacts_of(result, args.domain)
                print(f"TASK {tasks.seen[0]} COMPLETED contacts={len(contacts)}")
            elif args.flow == "other-task":
                try:
                    task = await get_task(client.session, args.task_id)
                except mcp.MCPError as e:
                    check(e.error.code == -32602, f"refused with {e.error.code}: {e.error.message}")
                    print(f"OTHER TASK REFUSED {e.error.message}")
                else:
                    raise Failure(f"another caller's task was shown: {task}")
            elif args.flow == "follow-up":
                deadline = time.monotonic() + POLL_SECONDS
                while True:
                    result = await client.call_tool(FOLLOW_UP, {"request_id": args.request_id})
                    check(not result.is_error, f"{FOLLOW_UP}: {text_of(result)}")
                    if result.structured_content.get("status") == "completed" or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.5)
                print(f"FOLLOW-UP COMPLETED contacts={len(contacts_of(result, args.domain))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    flows = ["accept", "decline", "replay", "legacy", "task", "other-task", "follow-up", "across"]
    parser.add_argument("flow", choices=flows)
    parser.add_argument("--token", default=os.environ.get("MCP_TOKEN") or None, help="default: $MCP_TOKEN")
    parser.add_argument("--company", default="c_0001")
    parser.add_argument("--domain", default=None, help="the company's domain: contacts must be at it")
    parser.add_argument("--task-id", default=None)
    parser.add_argument("--request-id", default=None)
    parser.add_argument("--other-url", default=None, help="another instance of the stage (flow across)")
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except Exception as e:  # noqa: BLE001 - one clear line per failure
        while isinstance(e, BaseExceptionGroup) and e.exceptions:
            e = e.exceptions[0]
        print(f"FAIL {type(e).__name__}: {e}")
        sys.exit(1)


if __name__ == "__main__":
    main()

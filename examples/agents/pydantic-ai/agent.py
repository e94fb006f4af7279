"""A Pydantic AI agent served over AG-UI, for appgen's `requirements` step (docs/agents.md).

appgen sends the messages its built-in agent would send (the system prompt carries the answer's
JSON Schema), so the model's reply is the answer: appgen reads the JSON in the streamed text.
The model is any OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY, MODEL.
"""

import os

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.ui.ag_ui import AGUIAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

model = OpenAIChatModel(
    os.environ.get("MODEL", "team-planner"),
    provider=OpenAIProvider(
        base_url=os.environ["OPENAI_BASE_URL"],
        api_key=os.environ.get("OPENAI_API_KEY", "none"),
    ),
)
agent = Agent(model, name="team-planner")


async def run(request: Request) -> Response:
    # "client": appgen's system prompt (with the answer's schema) is the one the model sees.
    return await AGUIAdapter.dispatch_request(
        request, agent=agent, manage_system_prompt="client"
    )


app = Starlette(routes=[Route("/", run, methods=["POST"])])

"""A Pydantic AI agent served over AG-UI, for appgen's `requirements` step (docs/agents.md).

appgen sends the messages its built-in agent would send (the system prompt carries the answer's
JSON Schema), so the model's reply is the answer: appgen reads the JSON in the streamed text.
The model is any OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY, MODEL.
`GET /capabilities` says who it is (AG-UI capabilities; Pydantic AI's adapter declares none
of its own), so appgen names it "Pydantic AI (team-planner)" without settings.
"""

import os

import pydantic_ai
from ag_ui.core import AgentCapabilities, IdentityCapabilities, TransportCapabilities
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.ui.ag_ui import AGUIAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
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


async def capabilities(request: Request) -> Response:
    """AG-UI capabilities: identity.type is the framework appgen shows ("Pydantic AI")."""
    declared = AgentCapabilities(
        identity=IdentityCapabilities(
            name=agent.name, type="pydantic-ai", version=pydantic_ai.__version__
        ),
        transport=TransportCapabilities(streaming=True),
    )
    return JSONResponse(declared.model_dump(by_alias=True, exclude_none=True))


app = Starlette(
    routes=[
        Route("/", run, methods=["POST"]),
        Route("/capabilities", capabilities, methods=["GET"]),
    ]
)

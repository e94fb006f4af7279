"""A CrewAI flow served over AG-UI by ag-ui-crewai, for appgen's `code` and `modify` steps
(docs/agents.md).

appgen sends the messages its built-in agent would send and the same instructions (which end
with the answer's JSON Schema) in the run's context; the flow's one step asks the model with
them and streams its reply, whose JSON (the app's files, or a follow-up's changes) is the
answer. The model is any OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY, MODEL.
`GET /capabilities` says who it is (AG-UI capabilities), so appgen names it "CrewAI
(team-coder)" without settings.
"""

import os
from typing import Any

from ag_ui_crewai import add_crewai_flow_fastapi_endpoint, get_capabilities
from ag_ui_crewai.sdk import CopilotKitState, copilotkit_stream
from crewai.flow.flow import Flow, start
from fastapi import FastAPI
from litellm import acompletion


def field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


class CoderFlow(Flow[CopilotKitState]):
    @start()
    async def code(self):
        instructions = [field(c, "value") for c in self.state.context
                        if str(field(c, "description")).startswith("instructions")]
        system = [{"role": "system", "content": text} for text in instructions]
        # The instructions come from context; drop a system message the adapter may pass on too.
        talk = [m for m in self.state.messages if field(m, "role") != "system"]
        response = await copilotkit_stream(await acompletion(
            model="openai/" + os.environ.get("MODEL", "team-coder"),
            api_base=os.environ["OPENAI_BASE_URL"],
            api_key=os.environ.get("OPENAI_API_KEY", "none"),
            messages=[*system, *talk],
            stream=True,
        ))
        self.state.messages.append(response.choices[0].message)


app = FastAPI()
add_crewai_flow_fastapi_endpoint(app, CoderFlow(), "/")


@app.get("/capabilities")
def capabilities():
    """AG-UI capabilities: the adapter's own (identity.type "crewai") and this agent's name."""
    declared = get_capabilities()
    declared["identity"] = {**declared.get("identity", {}), "name": "team-coder"}
    return declared

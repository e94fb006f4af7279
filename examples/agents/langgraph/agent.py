"""A LangGraph graph served over AG-UI by ag-ui-langgraph, for appgen's `requirements` step
(docs/agents.md).

appgen sends the messages its built-in agent would send; ag-ui-langgraph drops system messages,
so the graph takes the instructions (which end with the answer's JSON Schema) from the run's
context. Its one node asks the model, whose JSON reply is the answer. The model is any
OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY, MODEL. `GET /capabilities` says
who it is (AG-UI capabilities), so appgen names it without settings.
"""

import os
from typing import Annotated, Any

from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from ag_ui_langgraph import LangGraphAgent, add_langgraph_fastapi_endpoint
from fastapi import FastAPI
from langchain_core.messages import AnyMessage, SystemMessage
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.memory import MemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages

model = ChatOpenAI(
    model=os.environ.get("MODEL", "team-planner"),
    base_url=os.environ["OPENAI_BASE_URL"],
    api_key=os.environ.get("OPENAI_API_KEY", "none"),
)

State = TypedDict("State", {"messages": Annotated[list[AnyMessage], add_messages], "ag-ui": Any})


def field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


async def plan(state: State, config):
    context = field(state.get("ag-ui") or {}, "context") or []
    instructions = [field(c, "value") for c in context
                    if str(field(c, "description")).startswith("instructions")]
    prompt = [SystemMessage(content=text) for text in instructions] + state["messages"]
    return {"messages": [await model.ainvoke(prompt, config)]}


graph = StateGraph(State)
graph.add_node("plan", plan)
graph.add_edge(START, "plan")
graph.add_edge("plan", END)

agent = LangGraphAgent(name="team-planner", graph=graph.compile(checkpointer=MemorySaver()))
app = FastAPI()
add_langgraph_fastapi_endpoint(app, agent, "/")


@app.get("/capabilities")
def capabilities():
    """AG-UI capabilities: the adapter's own (identity.type "langgraph") and the agent's name,
    which appgen shows as "LangGraph (team-planner)"."""
    declared = agent.get_capabilities()
    declared["identity"] = {**declared.get("identity", {}), "name": agent.name}
    return declared

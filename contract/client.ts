// A front-end's first calls, typed only by what openapi-typescript generates
// from the committed contract. If the contract loses a type or a field a
// front-end relies on, this file stops compiling under `tsc --strict`.
import type { components, paths } from "./generated/kyky";

type Schemas = components["schemas"];
type Problem = Schemas["Problem"];
type ClientInput = paths["/api/v1/clients"]["post"]["requestBody"]["content"]["application/json"];
type ClientView = Schemas["ClientView"];
type CaseloadQuery = NonNullable<paths["/api/v1/caseload"]["get"]["parameters"]["query"]>;
type CaseloadView = Schemas["CaseloadView"];
type HandoverInput =
  paths["/api/v1/clients/{id}/handovers"]["post"]["requestBody"]["content"]["application/json"];

class KykyError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.title);
  }
}

async function call<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    // Branch on the problem's `type`, never on its text.
    throw new KykyError((await response.json()) as Problem);
  }
  return (await response.json()) as T;
}

export async function registerClient(base: string, token: string): Promise<ClientView> {
  const input: ClientInput = {
    personal_identity_code: "010594Y9021",
    relationship_basis: "client_contact",
    first_name: "Matti",
    last_name: "Meikäläinen",
  };
  const client = await call<ClientView>(base, token, "POST", "/api/v1/clients", input);
  const responsible: string = client.responsible_worker.last_name;
  console.log(`${client.first_name} (${client.details}), responsible: ${responsible}`);
  return client;
}

export async function myCaseload(base: string, token: string): Promise<CaseloadView> {
  const query: CaseloadQuery = { sort: "next_follow_up", limit: 25 };
  const search = new URLSearchParams({ sort: query.sort ?? "name", limit: String(query.limit ?? 25) });
  const page = await call<CaseloadView>(base, token, "GET", `/api/v1/caseload?${search}`);
  for (const item of page.items) {
    const overdue: boolean = item.overdue;
    console.log(item.client.last_name, item.next_follow_up_on ?? "no follow-up", overdue);
  }
  return page;
}

export async function proposeHandover(base: string, token: string, client: string, to: string): Promise<void> {
  const input: HandoverInput = { to_professional_id: to, summary: "Arvioon", reason: "Työkykyarvio" };
  try {
    await call<Schemas["HandoverView"]>(base, token, "POST", `/api/v1/clients/${client}/handovers`, input);
  } catch (error) {
    if (error instanceof KykyError && error.problem.type === "https://kyky.fi/problems/consent-required") {
      console.log("record the client's consent first");
      return;
    }
    throw error;
  }
}

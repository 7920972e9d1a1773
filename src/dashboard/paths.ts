// The addresses of the pages of one endpoint, event or event type, the id encoded as a path
// segment: one place for every link, form action and redirect that leads there.

export function endpointPath(id: string): string {
  return `/dashboard/endpoints/${encodeURIComponent(id)}`;
}

export function eventPath(id: string): string {
  return `/dashboard/events/${encodeURIComponent(id)}`;
}

export function eventTypePath(name: string): string {
  return `/dashboard/event-types/${encodeURIComponent(name)}`;
}

// Listing parameters shared by every paginated endpoint.

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

export function pageQuery(
  limit: number | undefined,
  cursor: string | undefined,
): { limit: number; cursor?: string } {
  return cursor === undefined || cursor === ""
    ? { limit: limit ?? DEFAULT_PAGE_LIMIT }
    : { limit: limit ?? DEFAULT_PAGE_LIMIT, cursor };
}

// Listing parameters shared by every paginated endpoint.

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

export function pageQuery(
  limit: number | undefined,
  cursor: string | undefined,
): { limit: number; cursor?: string } {
  return cursor === undefined || cursor === ""
    ? { limit: limit ?? PAGE_LIMIT_DEFAULT }
    : { limit: limit ?? PAGE_LIMIT_DEFAULT, cursor };
}

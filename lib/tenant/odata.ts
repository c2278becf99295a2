/**
 * OData literals and filters for Graph queries. A string literal is quoted with single quotes and
 * a quote inside it doubled (OData ABNF, `SQUOTE-in-string`:
 * https://docs.oasis-open.org/odata/odata/v4.01/os/abnf/odata-abnf-construction-rules.txt), so a
 * display name like "O'Brien HR" filters for itself and cannot end the literal early.
 */

/** `'value'`, with each `'` doubled. */
export const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** `$filter=<property> eq '<value>'`, URL-encoded, ready to follow `?` or `&`. */
export const filterEq = (property: string, value: string): string =>
  `$filter=${encodeURIComponent(`${property} eq ${odataString(value)}`)}`;

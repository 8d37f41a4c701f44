/**
 * The replay browser's filter bar: one SQL boolean expression over the episode columns (issue #4
 * §6), checked before DuckDB runs it in the app/server process. Text typed by a user ends up inside
 * a query that can read files, so the check is a whitelist, not a blacklist:
 *
 * 1. Lexical: no `;`, comments, `$` (dollar quotes, parameters), backslashes or control characters
 *    outside string literals, and balanced parentheses and brackets, so the text wrapped as
 *    `WHERE (…)` cannot close the parenthesis and append clauses.
 * 2. DuckDB parses `SELECT * FROM episodes WHERE (<filter>)` (`json_serialize_sql`); the statement
 *    must be that one plain SELECT (no set operation, CTE, GROUP BY, ORDER BY, LIMIT …).
 * 3. Every node of the WHERE expression must be of an allowed kind: constants, the listed columns
 *    (unqualified), comparisons, AND/OR/NOT, IN lists, BETWEEN, CASE, casts, list indexing, and
 *    functions from a small allow-list of arithmetic, string and list functions. Subqueries, `*`,
 *    lambdas, window functions, parameters and every other function (table functions such as
 *    `read_csv` included) are refused with a message naming what is allowed.
 *
 * The service's DuckDB also runs with external access off outside the workspace (replay.ts), so
 * a filter that got past this check still could not read other files.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../contract/contract.ts';

/** Longest filter accepted, in characters. */
export const MAX_FILTER_LENGTH = 2000;

/** Functions a filter may call (DuckDB names; operators such as `+` and LIKE's `~~` are functions too). */
export const FILTER_FUNCTIONS: readonly string[] = [
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '**',
  '^',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  'like_escape',
  'not_like_escape',
  'abs',
  'sqrt',
  'round',
  'floor',
  'ceil',
  'ceiling',
  'sign',
  'exp',
  'ln',
  'log',
  'log10',
  'log2',
  'pow',
  'power',
  'least',
  'greatest',
  'isnan',
  'isinf',
  'isfinite',
  'coalesce',
  'lower',
  'upper',
  'starts_with',
  'ends_with',
  'contains',
  'regexp_matches',
  'prefix',
  'suffix',
  'len',
  'length',
  'array_length',
  'list_value',
  'list_extract',
  'array_extract',
  'list_element',
  'list_contains',
  'list_has',
  'array_contains',
  'list_min',
  'list_max',
  'list_sum',
  'list_avg',
  'list_distance',
  'array_distance',
];

/** Expression kinds (DuckDB's `class`) a filter may contain. */
const CLASSES = new Set([
  'CONSTANT',
  'COLUMN_REF',
  'COMPARISON',
  'CONJUNCTION',
  'OPERATOR',
  'BETWEEN',
  'CASE',
  'CAST',
  'FUNCTION',
]);

/** OPERATOR node types a filter may contain. */
const OPERATORS = new Set([
  'OPERATOR_NOT',
  'OPERATOR_IS_NULL',
  'OPERATOR_IS_NOT_NULL',
  'COMPARE_IN',
  'COMPARE_NOT_IN',
  'ARRAY_EXTRACT',
  'OPERATOR_COALESCE',
]);

const refuse = (message: string) =>
  new ApiError('invalid', `filter: ${message}`, [{ path: 'filter', message }]);

/**
 * Step 1 of the file comment.
 * @throws ApiError 'invalid' naming the character and its position.
 */
function checkLexical(filter: string): void {
  if (filter.length > MAX_FILTER_LENGTH) throw refuse(`longer than ${MAX_FILTER_LENGTH} characters`);
  const stack: string[] = [];
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    const code = c.charCodeAt(0);
    if ((code < 0x20 && c !== '\t') || code === 0x7f) throw refuse(`control character at position ${i + 1}`);
    if (c === "'" || c === '"') {
      // A literal or quoted identifier: a doubled quote is an escaped quote.
      let j = i + 1;
      for (; j < filter.length; j++) {
        if (filter[j] === c) {
          if (filter[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= filter.length)
        throw refuse(`unterminated ${c === "'" ? 'string' : 'quoted name'} at position ${i + 1}`);
      i = j;
      continue;
    }
    if (c === ';')
      throw refuse(`";" at position ${i + 1}: a filter is one boolean expression, not statements`);
    if ((c === '-' && filter[i + 1] === '-') || (c === '/' && filter[i + 1] === '*'))
      throw refuse(`comments are not allowed (position ${i + 1})`);
    if (c === '$' || c === '\\' || c === '?') throw refuse(`"${c}" is not allowed (position ${i + 1})`);
    if (c === '(' || c === '[') stack.push(c === '(' ? ')' : ']');
    if (c === ')' || c === ']') {
      if (stack.pop() !== c) throw refuse(`unbalanced "${c}" at position ${i + 1}`);
    }
  }
  if (stack.length) throw refuse(`unclosed "${stack[stack.length - 1] === ')' ? '(' : '['}"`);
}

/** Step 3: every expression node, recursively. */
function checkExpression(node: unknown, columns: ReadonlySet<string>, allowed: string): void {
  if (Array.isArray(node)) {
    for (const n of node) checkExpression(n, columns, allowed);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'SELECT_NODE' || o.type === 'SET_OPERATION_NODE') throw refuse('subqueries are not allowed');
  if (typeof o.class === 'string') {
    const cls = o.class;
    if (cls === 'SUBQUERY') throw refuse('subqueries are not allowed');
    if (!CLASSES.has(cls))
      throw refuse(`${cls.toLowerCase().replace(/_/g, ' ')} expressions are not allowed`);
    if (cls === 'COLUMN_REF') {
      const names = o.column_names as string[];
      const name = names.join('.');
      if (names.length !== 1 || !columns.has(names[0].toLowerCase()))
        throw refuse(`unknown column "${name}"; allowed columns: ${allowed}`);
    }
    if (cls === 'OPERATOR' && !OPERATORS.has(String(o.type)))
      throw refuse(`operator ${String(o.type).toLowerCase()} is not allowed`);
    if (cls === 'FUNCTION') {
      const name = String(o.function_name).toLowerCase();
      const plain =
        (o.schema === '' || o.schema === 'main') &&
        !o.catalog &&
        o.filter === null &&
        !o.distinct &&
        !o.export_state &&
        ((o.order_bys as { orders?: unknown[] } | null)?.orders ?? []).length === 0;
      if (!FILTER_FUNCTIONS.includes(name) || !plain)
        throw refuse(
          `function "${o.function_name}" is not allowed in a filter; allowed: ${FILTER_FUNCTIONS.filter((f) => /^[a-z]/.test(f) && !f.includes('like')).join(', ')}`,
        );
    }
  }
  for (const v of Object.values(o))
    if (v !== null && typeof v === 'object') checkExpression(v, columns, allowed);
}

/**
 * Checks a filter (see the file comment) and returns the SQL to put after WHERE: the filter in
 * parentheses, exactly as checked.
 * @param con any connection of the service's DuckDB (only the parser is used)
 * @param columns the names the filter may use (lowercase)
 * @throws ApiError 'invalid' with a message naming the problem (and the allowed columns or functions).
 */
export async function checkFilter(
  con: DuckDBConnection,
  filter: string,
  columns: readonly string[],
): Promise<string> {
  checkLexical(filter);
  if (!filter.trim()) throw refuse('empty');
  const wrapped = `(${filter})`;
  // json_serialize_sql takes a constant only; a standard SQL string has no escape but '' (doubled).
  const statement = `SELECT * FROM episodes WHERE ${wrapped}`.replace(/'/g, "''");
  const reader = await con.runAndReadAll(`SELECT json_serialize_sql('${statement}')`);
  const parsed = JSON.parse(String(reader.getRows()[0][0])) as {
    error: boolean;
    error_message?: string;
    statements?: Array<{ node: Record<string, unknown> }>;
  };
  if (parsed.error) throw refuse(`not a valid SQL expression (${parsed.error_message ?? 'parse error'})`);
  const node = parsed.statements?.length === 1 ? parsed.statements[0].node : null;
  const from = node?.from_table as Record<string, unknown> | undefined;
  const select = node?.select_list as Array<Record<string, unknown>> | undefined;
  const plain =
    node?.type === 'SELECT_NODE' &&
    (node.modifiers as unknown[]).length === 0 &&
    ((node.cte_map as { map: unknown[] }).map ?? []).length === 0 &&
    select?.length === 1 &&
    select[0].class === 'STAR' &&
    from?.type === 'BASE_TABLE' &&
    from.table_name === 'episodes' &&
    (node.group_expressions as unknown[]).length === 0 &&
    node.having === null &&
    node.qualify === null &&
    node.sample === null &&
    node.where_clause !== null;
  if (!plain) throw refuse('must be one boolean expression over the episode columns');
  const set = new Set(columns.map((c) => c.toLowerCase()));
  checkExpression(node!.where_clause, set, columns.join(', '));
  return wrapped;
}

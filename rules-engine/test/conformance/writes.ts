// Create requests: `allow create: if <expr>` with the document the client writes (request.resource),
// the shape of data validation in real rulesets.
export interface WriteCase {
  expr: string;
  data: Record<string, unknown>;
  expect: boolean;
}

const MSG = { text: "hi", senderId: "alice", kind: "text", n: 3, score: 1.5, tags: ["a"], meta: { lang: "en" } };
const W = (expr: string, data: Record<string, unknown> = MSG, expect = true): WriteCase => ({ expr, data, expect });
const D = (expr: string, data: Record<string, unknown> = MSG): WriteCase => ({ expr, data, expect: false });

export const writeCases: WriteCase[] = [
  W("request.resource.data.text == 'hi'"),
  W("request.resource.data.senderId == request.auth.uid"),
  W("resource == null"),
  W("request.method == 'create'"),
  W("request.resource.id == request.path[4]"),
  W("request.resource.__name__ == request.path"),
  W("request.resource.data.keys().hasOnly(['text', 'senderId', 'kind', 'n', 'score', 'tags', 'meta'])"),
  D("request.resource.data.keys().hasOnly(['text', 'senderId'])"),
  W("request.resource.data.keys().hasAll(['text', 'senderId'])"),
  W("request.resource.data.size() == 7"),
  W("request.resource.data.text is string && request.resource.data.text.size() <= 1000"),
  W("request.resource.data.n is int && request.resource.data.score is float"),
  D("request.resource.data.n is float"),
  W("request.resource.data.kind in ['text', 'image']"),
  D("request.resource.data.missing == null"),
  W("!('missing' in request.resource.data)"),
  W("request.resource.data.get('missing', 'x') == 'x'"),
  W("request.resource.data.meta.lang == 'en'"),
  W("request.resource.data.tags.size() == 1"),
  W("request.resource.data.diff({}).addedKeys().size() == 7"),
  D("resource.data.text == 'hi'"),
  W("resource == null || resource.data.text == 'hi'"),
  D("request.resource.data.text.size() > 2"),
  W("request.resource.data.text.matches('[a-z]+')"),
  W("request.time is timestamp"),
  W("request.resource.data.n + 1 == 4"),
  W("request.resource.data.score * 2 == 3"),
  W("request.resource.data.n / 2 == 1"),
  W("request.resource.data.when == null", { when: null }),
  W("'when' in request.resource.data", { when: null }),
  W("request.resource.data.nested.a.b == 1", { nested: { a: { b: 1 } } }),
  W("request.resource.data.list[1] == 'y'", { list: ["x", "y"] }),
  W("request.resource.data.list.hasAny(['y'])", { list: ["x", "y"] }),
  D("request.resource.data.list.hasAll(['z'])", { list: ["x", "y"] }),
  W("request.resource.data.size() == 0", {}),
  W("request.resource.data.keys() == []", {}),
  W("request.resource.data.big == 9007199254740991", { big: 9007199254740991 }),
  W("request.resource.data.neg < 0", { neg: -5 }),
  W("request.resource.data.flag == true && request.resource.data.flag is bool", { flag: true }),
  W("request.resource.data.s.lower() == 'abc'", { s: "AbC" }),
  D("request.resource.data.s.size() == 'AbC'", { s: "AbC" }),
  W("request.resource.data.m.keys().hasOnly(['k'])", { m: { k: 1 } }),
  W("request.resource.data.m.diff({'k': 1}).affectedKeys().size() == 0", { m: { k: 1 } }),
  W("request.resource.data.m.diff({'k': 2}).changedKeys().hasAll(['k'])", { m: { k: 1 } }),
];

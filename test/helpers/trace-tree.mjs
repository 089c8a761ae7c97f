// Draws normalized spans (from otlp-receiver.mjs) as trees, so a test asserts a whole trace's
// shape in one comparison and a failure shows the actual picture.
function label(span, withService) {
  const service = withService ? `, ${span.resource.attributes['service.name']}` : '';
  return `${span.name} (${span.kind}${service})`;
}

/**
 * `drawTree(spans, { service: true })` →
 *   GET /api (SERVER, gateway)
 *   └─ GET (CLIENT, gateway)
 * Children are ordered by start time; roots (no parent among `spans`) by start time too.
 */
export function drawTree(spans, { service = false } = {}) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0);
  const lines = [];
  const walk = (span, prefix, childPrefix) => {
    lines.push(prefix + label(span, service));
    const kids = (children.get(span.spanId) ?? []).sort(byStart);
    kids.forEach((kid, i) => {
      const last = i === kids.length - 1;
      walk(kid, childPrefix + (last ? '└─ ' : '├─ '), childPrefix + (last ? '   ' : '│  '));
    });
  };
  for (const root of roots.sort(byStart)) walk(root, '', '');
  return lines.join('\n');
}

import { isObject } from './lambda-event';

/**
 * The request ID a non-HTTP invocation carries, where RequestIdPropagator put one:
 * - SQS records: `messageAttributes[<header>].stringValue` (instrumentation-aws-sdk injects the
 *   propagators' fields as message attributes on SendMessage);
 * - SNS records: `Sns.MessageAttributes[<header>].Value` (the same, on Publish);
 * - a direct invocation through the SDK's `Invoke`: `context.clientContext.Custom[<header>]`
 *   (instrumentation-aws-sdk injects into the ClientContext).
 * A batch gives its ID only when every record that carries one carries the same: one invocation
 * has one request ID, and records of several requests have none in common.
 */
export function propagatedId(event: unknown, lambdaContext: unknown, key: string): string | undefined {
  if (isObject(event) && Array.isArray(event.Records)) return batchId(event.Records, key);
  if (!isObject(lambdaContext) || !isObject(lambdaContext.clientContext)) return undefined;
  const custom = lambdaContext.clientContext.Custom ?? lambdaContext.clientContext.custom;
  return isObject(custom) ? stringAt(custom, key) : undefined;
}

function batchId(records: unknown[], key: string): string | undefined {
  let found: string | undefined;
  for (const record of records) {
    const id = recordId(record, key);
    if (id === undefined) continue;
    if (found !== undefined && found !== id) return undefined;
    found = id;
  }
  return found;
}

function recordId(record: unknown, key: string): string | undefined {
  if (!isObject(record)) return undefined;
  if (isObject(record.messageAttributes)) {
    const attribute = attributeAt(record.messageAttributes, key);
    return attribute === undefined ? undefined : stringAt(attribute, 'stringValue');
  }
  if (isObject(record.Sns) && isObject(record.Sns.MessageAttributes)) {
    const attribute = attributeAt(record.Sns.MessageAttributes, key);
    return attribute === undefined ? undefined : stringAt(attribute, 'Value');
  }
  return undefined;
}

/** Message attribute names keep the sender's case: the propagator writes lower case, a hand-written sender may not. */
function attributeAt(attributes: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const exact = attributes[key];
  if (isObject(exact)) return exact;
  for (const name in attributes) {
    const value = attributes[name];
    if (name.toLowerCase() === key && isObject(value)) return value;
  }
  return undefined;
}

function stringAt(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

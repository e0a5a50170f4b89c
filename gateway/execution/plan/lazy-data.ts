/**
 * An answer's data whose JSON text the plan executor wrote while shaping it (shape-json.ts). The
 * gateway sends that text as it is (sharing/result-json.ts asks `knownJson`), so the objects are
 * only made if something reads the data itself: a plugin, a test. The object is a proxy that
 * parses the text at its first read and answers every read from that, so code that reads it sees
 * an ordinary object with the answer's fields. The text stands for the data only while nothing
 * could have changed it: a change through the proxy, or a nested object handed out, drops it.
 */
const texts = new WeakMap<object, string>();

export function lazyData(json: string): Record<string, unknown> | null {
  if (json === 'null') return null;
  let parsed: Record<string, unknown> | undefined;
  const real = () => (parsed ??= JSON.parse(json) as Record<string, unknown>);
  const data = new Proxy<Record<string, unknown>>(
    {},
    {
      get: (_, key) => {
        const value: unknown = Reflect.get(real(), key);
        // A nested object handed out may be changed where no trap sees it: the text is no longer known.
        if (typeof value === 'object' && value !== null) texts.delete(data);
        return value;
      },
      has: (_, key) => Reflect.has(real(), key),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(real(), key),
      // A change makes the text stale: the serializer then serializes the object.
      set: (_, key, value) => {
        texts.delete(data);
        return Reflect.set(real(), key, value);
      },
      deleteProperty: (_, key) => {
        texts.delete(data);
        return Reflect.deleteProperty(real(), key);
      },
      defineProperty: (_, key, descriptor) => {
        texts.delete(data);
        return Reflect.defineProperty(real(), key, { ...descriptor, configurable: true });
      },
    },
  );
  texts.set(data, json);
  return data;
}

/** The JSON text of data made by lazyData, while nothing has changed it; undefined for any other object. */
export function knownJson(data: object): string | undefined {
  return texts.get(data);
}

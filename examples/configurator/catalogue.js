// What the shop says about each choice. The rules (bikes.ordo) decide prices and which
// combinations are allowed; this file only holds labels and descriptions. A value the rules
// have and the catalogue lacks is shown by its name.

export const catalogue = {
  frame: {
    city: { label: "City", note: "Upright and comfortable for the daily commute" },
    trekking: { label: "Trekking", note: "Long-distance touring, loaded or not" },
    gravel: { label: "Gravel", note: "Light and quick on tarmac and tracks" },
    cargo: { label: "Cargo", note: "Carries children, shopping and crates" },
  },
  size: {
    s: { label: "S" },
    m: { label: "M" },
    l: { label: "L" },
    xl: { label: "XL" },
  },
  groupset: {
    basic: { label: "Basic", note: "8 speed, reliable and low-maintenance" },
    sport: { label: "Sport", note: "11 speed, hydraulic disc brakes" },
    pro: { label: "Pro", note: "12 speed, lightweight components" },
    electric: { label: "Electric", note: "Mid-drive motor, 500 Wh battery" },
  },
  accessories: {
    rack: { label: "Rear rack" },
    lights: { label: "Dynamo lights" },
    fenders: { label: "Fenders" },
    child_seat: { label: "Child seat" },
    lock: { label: "Frame lock" },
  },
  dealer: {
    direct: { label: "Direct customer" },
    registered: { label: "Registered dealer" },
    premium: { label: "Premium dealer" },
  },
};

/** Where we ship. The rules price shipping and VAT by country code. */
export const countries = [
  ["DE", "Germany"],
  ["AT", "Austria"],
  ["NL", "Netherlands"],
  ["FR", "France"],
  ["CH", "Switzerland"],
  ["GB", "United Kingdom"],
  ["US", "United States"],
];

/** The label of a value of a field. */
export function labelOf(field, value) {
  return catalogue[field]?.[value]?.label ?? String(value);
}

/** The description of a value of a field, if any. */
export function noteOf(field, value) {
  return catalogue[field]?.[value]?.note ?? "";
}

// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom has no layout. Combobox virtualizes its options list (@tanstack/react-virtual),
// which renders nothing for elements of size 0, so give every element a size.
Object.defineProperty(Element.prototype, 'getBoundingClientRect', {
  configurable: true,
  value: () => ({ width: 300, height: 300, top: 0, left: 0, bottom: 300, right: 300, x: 0, y: 0, toJSON: () => ({}) }),
});
// @tanstack/virtual-core reads clientWidth/clientHeight and offsetHeight.
for (const prop of ['clientWidth', 'clientHeight', 'offsetWidth', 'offsetHeight']) {
  Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => 300 });
}
Element.prototype.scrollIntoView = () => {};
if (!global.ResizeObserver) {
  global.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
// Combobox sizes its menu by measuring text on a canvas; jsdom has no canvas.
HTMLCanvasElement.prototype.getContext = () => ({
  font: '',
  measureText: (text) => ({ width: String(text).length * 7 }),
});
if (!global.IntersectionObserver) {
  global.IntersectionObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
}

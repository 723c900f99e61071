import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';

/**
 * The wrapper of a wide table: on a narrow screen the table scrolls sideways inside it instead of
 * widening the page. While it does, a keyboard must be able to scroll it too (WCAG 2.1.1, axe's
 * `scrollable-region-focusable`), so it is then a tab stop, named by `label` as a region so that a
 * screen reader says what took the focus. When the table fits it is a plain box and no tab stop.
 */
export function ScrollRegion({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const scrolls = useScrollsSideways(ref);
  return (
    <div
      ref={ref}
      className={className ? `table-scroll ${className}` : 'table-scroll'}
      {...(scrolls ? { role: 'region', 'aria-label': label, tabIndex: 0 } : {})}
    >
      {children}
    </div>
  );
}

/**
 * Whether the element's content is wider than the element. Measured after every render (the table
 * may have been replaced) and whenever the element or its content changes size (the window, a font).
 */
function useScrollsSideways(ref: RefObject<HTMLElement | null>): boolean {
  const [scrolls, setScrolls] = useState(false);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setScrolls(element.scrollWidth > element.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    for (const child of element.children) observer.observe(child);
    return () => observer.disconnect();
  });
  return scrolls;
}

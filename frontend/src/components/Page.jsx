// A page's heading and the document title that goes with it.
import { useEffect } from 'preact/hooks';

export function Page({ title, intro, children }) {
  useEffect(() => {
    document.title = `${title} · Portico`;
  }, [title]);
  return (
    <>
      <h1>{title}</h1>
      {intro && <p class="intro">{intro}</p>}
      {children}
    </>
  );
}

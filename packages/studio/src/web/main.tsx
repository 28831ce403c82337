/** The studio's front end: a header with the five pages, routed by the address's hash. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type Info, api, onEvent } from './api.js';
import { BrowserPage } from './pages/browser.js';
import { DatasetsPage } from './pages/datasets.js';
import { GalleryPage } from './pages/gallery.js';
import { LogsPage } from './pages/logs.js';
import { StylisePage } from './pages/stylise.js';

const PAGES = [
  ['stylise', 'Stylise'],
  ['gallery', 'Gallery'],
  ['datasets', 'Datasets'],
  ['logs', 'Logs'],
  ['browser', 'Run in this browser'],
] as const;

function route(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return parts.length === 0 ? ['stylise'] : parts;
}

function App() {
  const [where, setWhere] = useState(route());
  const [info, setInfo] = useState<Info>();
  const [queue, setQueue] = useState<{ running?: string; waiting: string[] }>({ waiting: [] });
  useEffect(() => {
    const f = () => setWhere(route());
    addEventListener('hashchange', f);
    void api<Info>('/api/info').then(setInfo);
    const off = onEvent((type, data) => {
      if (type === 'queue') setQueue(data as unknown as { running?: string; waiting: string[] });
    });
    return () => {
      removeEventListener('hashchange', f);
      off();
    };
  }, []);
  const page = where[0];
  return (
    <>
      <header>
        <a class="brand" href="#/stylise">
          <span class="logo" />
          Pastiche Studio
        </a>
        <nav>
          {PAGES.map(([id, label]) => (
            <a key={id} href={`#/${id}`} class={page === id ? 'active' : ''} data-testid={`nav-${id}`}>
              {label}
            </a>
          ))}
        </nav>
        <span class="queue" data-testid="queue">
          {queue.running !== undefined
            ? `1 running${queue.waiting.length > 0 ? `, ${queue.waiting.length} waiting` : ''}`
            : 'idle'}
        </span>
      </header>
      <main>
        {page === 'gallery' ? (
          <GalleryPage id={where[1]} />
        ) : page === 'datasets' ? (
          <DatasetsPage />
        ) : page === 'logs' ? (
          <LogsPage />
        ) : page === 'browser' ? (
          <BrowserPage info={info} />
        ) : (
          <StylisePage info={info} key={location.hash} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

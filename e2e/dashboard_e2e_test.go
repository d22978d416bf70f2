//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/familypath/familypath/pkg/platform/auth"
	"github.com/familypath/familypath/proto/contract"
	familypathv1 "github.com/familypath/familypath/proto/gen/familypath/v1"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
)

// chromium is Debian's Chromium (scripts/test.sh installs it when absent); a browser a test
// tool downloads cannot run here.
const chromium = "/usr/bin/chromium"

// browser starts headless Chromium with the flags this machine's closed network needs, and
// sends every request with the user's access token, as the council's front end would.
func browser(t *testing.T, p auth.Principal) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: scripts/test.sh installs Debian's chromium package", chromium)
	}
	opts := append(
		chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag(
			"disable-component-update",
			true,
		),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Authorization": "Bearer " + token(t, p)}}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// wcagChecks runs in the page: what can be checked automatically of WCAG 2.2 AA. It returns
// the failures found, each naming its criterion.
const wcagChecks = `(() => {
  const fails = [];
  const lum = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const [r, g, b, a] = m[1].split(',').map(Number);
    if (a === 0) return null;
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const background = (el) => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const l = lum(getComputedStyle(e).backgroundColor); if (l !== null) return l;
    }
    return 1; // white
  };
  if (document.documentElement.lang !== 'en-GB') fails.push('3.1.1 language of the page');
  if (!document.title) fails.push('2.4.2 page titled');
  if (document.querySelectorAll('h1').length !== 1) fails.push('1.3.1 one h1');
  let level = 1;
  for (const h of document.querySelectorAll('h1, h2, h3, h4')) {
    const l = Number(h.tagName[1]); if (l > level + 1) fails.push('1.3.1 heading level skipped at ' + h.textContent); level = l;
  }
  for (const tbl of document.querySelectorAll('table')) {
    if (!tbl.querySelector('caption')) fails.push('1.3.1 table without caption');
    for (const th of tbl.querySelectorAll('th')) if (!th.getAttribute('scope')) fails.push('1.3.1 th without scope: ' + th.textContent);
  }
  for (const svg of document.querySelectorAll('svg')) {
    const ids = (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean);
    const name = ids.map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    if (svg.getAttribute('role') !== 'img' || !name) fails.push('1.1.1 chart without a text alternative');
  }
  for (const r of document.querySelectorAll('[tabindex="0"]')) if (!r.getAttribute('aria-labelledby') && !r.getAttribute('aria-label')) fails.push('4.1.2 focusable region without a name');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement; if (!n.textContent.trim() || !el) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || el.closest('[aria-hidden=true]') && el.tagName !== 'text') continue;
    const r = el.getBoundingClientRect(); if (r.right < 0 || r.width === 0) continue; // off-screen (the skip link until focused)
    const fg = lum(el instanceof SVGElement ? s.fill : s.color); if (fg === null) continue;
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio(fg, background(el)) < need) fails.push('1.4.3 contrast ' + ratio(fg, background(el)).toFixed(2) + ' for "' + n.textContent.trim().slice(0, 30) + '"');
  }
  for (const m of document.querySelectorAll('svg .bar, svg .line, svg .mark')) {
    const s = getComputedStyle(m);
    const c = lum(m.classList.contains('line') || m.classList.contains('profile') ? s.stroke : s.fill);
    if (c !== null && ratio(c, 1) < 3) fails.push('1.4.11 chart mark contrast ' + m.getAttribute('class'));
  }
  return fails;
})()`

// The programme dashboard as a manager reads it in a browser: the seeds' table (a row a
// programme year and a total), money against the budget, and the same figures as charts
// with text alternatives; it passes the WCAG 2.2 AA checks that can be made automatically
// (language, title, headings, table headers, text alternatives, contrast of text and of chart
// marks), reflows at 320 CSS pixels without scrolling sideways, and a keyboard user's first
// Tab lands on a visible "skip to the figures" link.
func TestTheDashboardPageIsReadableAndAccessible(t *testing.T) {
	forecastNow(t, "lancashire-phase2") // so that the page has its forecast chart and tables too
	url := env(t, "CLAIMS_URL") + "/v1/plans/lancashire-phase2/dashboard"
	ctx := browser(t, auth.Principal{Subject: "e2e.manager", Roles: []string{auth.RoleProgrammeManager}})
	run := func(a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	value := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	run(chromedp.EmulateViewport(1280, 900))
	run(chromedp.Navigate(url))
	run(chromedp.WaitVisible(chromedp.CSS("h1")))
	title, h1 := value(chromedp.Title()), value(chromedp.Text(chromedp.CSS("h1")))
	firstRow := value(chromedp.Text(chromedp.CSS("#main table tbody tr:first-child")))
	totalRow := value(chromedp.Text(chromedp.CSS("#main table tfoot tr")))
	years, err := chromedp.Run(
		ctx,
		chromedp.Evaluate[int](`document.querySelector('#main table').tBodies[0].rows.length`),
	)
	if err != nil {
		t.Fatal(err)
	}
	fails, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](wcagChecks))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	forecastText, err := chromedp.Run(
		ctx,
		chromedp.Evaluate[string](`(document.getElementById('forecast-chart-desc') || {}).textContent || ''`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(forecastText, "by the end of 2019/20: forecast") {
		t.Errorf("the forecast chart says %q", forecastText)
	}
	if !strings.Contains(title, "Programme dashboard") || h1 != "Programme dashboard" || years != 5 ||
		!strings.Contains(
			firstRow,
			"2015/16",
		) || !strings.Contains(firstRow, "1,470") || !strings.Contains(totalRow, "8,620") {
		t.Errorf("page: %q %q, %d years, first row %q, total %q", title, h1, years, firstRow, totalRow)
	}
	for _, f := range fails {
		t.Error("WCAG " + f)
	}
	if dir := os.Getenv("FAMILYPATH_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "dashboard.png"), shot, 0o600)
	}

	// Reflow (1.4.10): at 320 CSS pixels nothing but the tables' own regions scrolls sideways.
	type focused struct {
		Tag, Text, Background string
		Left                  float64
	}
	run(chromedp.EmulateViewport(320, 640))
	run(chromedp.Reload())
	run(chromedp.WaitVisible(chromedp.CSS("h1")))
	pageWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	run(chromedp.KeyEvent(kb.Tab))
	afterTab, err := chromedp.Run(
		ctx,
		chromedp.Evaluate[focused](`(() => { const e = document.activeElement; const s = getComputedStyle(e);
		return {Tag: e.tagName, Text: e.textContent, Background: s.backgroundColor, Left: e.getBoundingClientRect().left}; })()`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if pageWidth > 320 {
		t.Errorf("WCAG 1.4.10: the page is %d pixels wide at 320", pageWidth)
	}
	if afterTab.Tag != "A" || afterTab.Text != "Skip to the figures" || afterTab.Left < 0 ||
		afterTab.Background != "rgb(255, 221, 0)" {
		t.Errorf("WCAG 2.4.1/2.4.7: the first Tab focused %+v", afterTab)
	}
}

// forecastNow runs the plan's ProgrammeForecast workflow, as its monthly schedule does, and
// waits for it: tracking makes the forecast and claims keeps the dashboard's copy.
func forecastNow(t *testing.T, plan string) *familypathv1.ForecastSnapshot {
	t.Helper()
	c := temporalClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(
		ctx,
		client.StartWorkflowOptions{ID: contract.ForecastWorkflowID(plan) + "-e2e-" + uuid.NewString(),
			TaskQueue: contract.QueueFamilyLifecycle},
		contract.WorkflowForecast,
		&familypathv1.ForecastInput{PlanId: plan, Draws: 2000},
	)
	if err != nil {
		t.Fatal(err)
	}
	var snap familypathv1.ForecastSnapshot
	if err := run.Get(ctx, &snap); err != nil {
		t.Fatalf("the forecast workflow: %v", err)
	}
	return &snap
}

// The forecast as finance reads it: made by the workflow from the running services, answered
// by tracking as JSON and CSV, moving in the history, and no family id in any of it.
func TestTheForecastIsMadeMonthlyAndReadByFinance(t *testing.T) {
	snap := forecastNow(t, "lancashire-phase2")
	code, body := request(t, "GET", env(t, "TRACKING_URL")+"/v1/reports/forecast?plan=lancashire-phase2", "")
	var got struct {
		ID       string `json:"id"`
		Forecast struct {
			Windows []struct{ ID string }
			Total   struct {
				Results struct{ P10, P50, P90 int }
			}
			Summary string
		}
	}
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || got.ID != snap.GetId() ||
		len(got.Forecast.Windows) != 17 ||
		got.Forecast.Total.Results.P10 > got.Forecast.Total.Results.P90 ||
		!strings.Contains(got.Forecast.Summary, "By the last claim window") {
		t.Fatalf("forecast: %d %s", code, body)
	}
	code, hist := request(t, "GET", env(t, "TRACKING_URL")+"/v1/reports/forecast-history?plan=lancashire-phase2", "")
	if code != http.StatusOK || !strings.Contains(string(hist), snap.GetId()) {
		t.Fatalf("history: %d %s", code, hist)
	}
	if strings.Contains(string(body), "family_id") || strings.Contains(string(hist), "family_id") {
		t.Fatal("a family id in the forecast")
	}
}
